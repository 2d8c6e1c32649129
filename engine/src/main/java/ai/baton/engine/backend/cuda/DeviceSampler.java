package ai.baton.engine.backend.cuda;

import ai.baton.engine.sampling.LogitEdits;
import ai.baton.engine.sampling.SamplingParams;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.ValueLayout;

/**
 * Sampling on the GPU: per-row parameters and 64 random bits go up, token ids come back; the logits never leave the
 * device. Greedy-only batches take the plain argmax kernel.
 */
final class DeviceSampler implements AutoCloseable {
    private final CudaContext cx;
    private PinnedHost staging;
    /** Most blocks one row's greedy argmax is split over (argmax_split). */
    private static final int ARGMAX_SPLITS = 64;
    private DeviceMemory params, bits, ids, partV, partI, tickets;
    private int capacity;
    private final DeviceLogitEdits edits;

    DeviceSampler(CudaContext cx) {
        this.cx = cx;
        this.edits = new DeviceLogitEdits(cx);
    }

    private void ensure(int rows) {
        if (rows <= capacity) return;
        close();
        capacity = Math.max(rows, 256);
        staging = new PinnedHost(capacity * 28L);
        params = cx.heap.allocate(capacity * 16L);
        bits = cx.heap.allocate(capacity * 8L);
        ids = cx.heap.allocate(capacity * 4L);
        partV = cx.heap.allocate(capacity * 4L * ARGMAX_SPLITS);
        partI = cx.heap.allocate(capacity * 4L * ARGMAX_SPLITS);
        tickets = cx.heap.allocate(capacity * 4L);
        Cu.check(JCudaDriver.cuMemsetD8(tickets.ptr, (byte) 0, capacity * 4L), "cuMemsetD8");
    }

    int[] sample(CudaTensor logits, int rows, SamplingParams[] p, long[] randomBits, LogitEdits[] edits) {
        Norms.requireF32(logits, "logits");
        ensure(rows);
        int vocab = logits.cols();
        if (edits != null) this.edits.apply(logits, vocab, edits);
        boolean greedy = true;
        for (int i = 0; i < rows; i++) greedy &= p[i] == null || p[i].isGreedy();
        if (greedy) {
            // a slice of at least 2048 logits per block
            int splits = Math.max(1, Math.min(ARGMAX_SPLITS, (vocab + 2047) / 2048));
            cx.launch("argmax_split", rows, splits, 1, 256, 0, logits.address(), vocab, ids.address, partV.address,
                    partI.address, tickets.address);
        } else {
            var seg = staging.segment;
            for (int i = 0; i < rows; i++) {
                SamplingParams sp = p[i];
                boolean g = sp == null || sp.isGreedy();
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, 4L * i, g ? 0f : (float) sp.temperature());
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, 4L * i + 1, g ? 1f : (float) sp.topP());
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, 4L * i + 2, g ? 0f : (float) sp.minP());
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, 4L * i + 3, g ? 0f : (float) sp.topK());
                seg.set(ValueLayout.JAVA_LONG, 16L * capacity + 8L * i, randomBits[i]);
            }
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(params.ptr, staging.pointer, 16L * rows, cx.stream), "sampling params upload");
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(bits.ptr, staging.at(16L * capacity), 8L * rows, cx.stream), "random bits upload");
            cx.launch("sample_rows", rows, 1, 1, 1024, 0, logits.address(), vocab, params.address, bits.address, ids.address);
        }
        long idsAt = 24L * capacity;
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(staging.at(idsAt), ids.ptr, 4L * rows, cx.stream), "token ids download");
        cx.synchronize();
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) out[i] = staging.segment.get(ValueLayout.JAVA_INT, idsAt + 4L * i);
        return out;
    }

    @Override
    public void close() {
        edits.close();
        if (staging != null) staging.close();
        cx.heap.free(params);
        cx.heap.free(bits);
        cx.heap.free(ids);
        cx.heap.free(partV);
        cx.heap.free(partI);
        cx.heap.free(tickets);
        staging = null;
        params = bits = ids = partV = partI = tickets = null;
        capacity = 0;
    }
}
