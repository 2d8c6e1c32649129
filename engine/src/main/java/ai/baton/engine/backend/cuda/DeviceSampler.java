package ai.baton.engine.backend.cuda;

import ai.baton.engine.sampling.LogitEdits;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
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
        lpStaging = new PinnedHost(capacity * LP_BYTES_PER_ROW);
        lpMeta = cx.heap.allocate(capacity * 12L);
        lpF = cx.heap.allocate(capacity * 4L * (MAX_TOP + 1));
        lpI = cx.heap.allocate(capacity * 4L * (MAX_TOP + 2));
        long parts = (long) capacity * LOGPROB_SPLITS;
        lpPartMax = cx.heap.allocate(parts * 4L);
        lpPartAbove = cx.heap.allocate(parts * 4L);
        lpPartSum = cx.heap.allocate(parts * 8L);
        lpCandV = cx.heap.allocate(parts * 4L * MAX_TOP);
        lpCandI = cx.heap.allocate(parts * 4L * MAX_TOP);
        lpTickets = cx.heap.allocate(capacity * 4L);
        savedIdStaging = new PinnedHost(capacity * 4L);
        savedIds = cx.heap.allocate(capacity * 4L);
        Cu.check(JCudaDriver.cuMemsetD8(lpTickets.ptr, (byte) 0, capacity * 4L), "cuMemsetD8");
    }

    private static final int MAX_TOP = SamplingParams.MAX_LOGPROBS;
    /** Pinned bytes per row for logprobs: its row, top and saved row (ints), then the floats and ints logprobs_split_sum writes. */
    private static final long LP_BYTES_PER_ROW = 12L + 4L * (MAX_TOP + 1) + 4L * (MAX_TOP + 2);
    private PinnedHost lpStaging;
    private DeviceMemory lpMeta, lpF, lpI;
    /** Most slices one row's logprobs are split over (logprobs_split_*: LOGPROB_MAX_SPLITS), and the most logits per slice. */
    private static final int LOGPROB_SPLITS = 128, LOGPROB_SLICE = 4096;
    /** Per slice of a row: its max, count above the drawn token, sum of exp and best alternatives; per row, a ticket. */
    private DeviceMemory lpPartMax, lpPartAbove, lpPartSum, lpCandV, lpCandI, lpTickets;
    /** Raw logits of rows that want logprobs and are edited in place, saved before the edits; those rows' ids. */
    private DeviceMemory savedRows, savedIds;
    private PinnedHost savedIdStaging;
    private long savedBytes;

    int[] sample(CudaTensor logits, int rows, SamplingParams[] p, long[] randomBits, LogitEdits[] edits, TokenLogprobs[] logprobs) {
        Norms.requireF32(logits, "logits");
        ensure(rows);
        int vocab = logits.cols();
        int saved = logprobs != null && edits != null ? saveRawRows(logits, rows, p, edits) : 0;
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
        int lpRows = logprobs == null ? 0 : launchLogprobs(logits, rows, p, edits, saved);
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(staging.at(idsAt), ids.ptr, 4L * rows, cx.stream), "token ids download");
        cx.synchronize();
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) out[i] = staging.segment.get(ValueLayout.JAVA_INT, idsAt + 4L * i);
        if (lpRows > 0) readLogprobs(rows, p, out, logprobs);
        return out;
    }

    /**
     * Queues the logprobs kernels (logprobs_split_max, then logprobs_split_sum) for the rows whose params want logprobs (their raw logits: such rows have no edits) and the
     * download of its results; returns how many rows.
     */
    private int launchLogprobs(CudaTensor logits, int rows, SamplingParams[] p, LogitEdits[] edits, int saved) {
        var seg = lpStaging.segment;
        int n = 0, k = 0;
        for (int i = 0; i < rows; i++) {
            if (p[i] == null || p[i].logprobs() < 0) continue;
            seg.setAtIndex(ValueLayout.JAVA_INT, n, i);
            seg.setAtIndex(ValueLayout.JAVA_INT, capacity + n, Math.min(MAX_TOP, p[i].logprobs()));
            seg.setAtIndex(ValueLayout.JAVA_INT, 2L * capacity + n, edits != null && edits[i] != null ? k++ : -1);
            n++;
        }
        if (n == 0) return 0;
        if (k != saved) throw new IllegalStateException(saved + " rows saved for " + k + " edited rows with logprobs");
        for (int part = 0; part < 3; part++)
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(lpMeta.at(4L * part * capacity), lpStaging.at(4L * part * capacity), 4L * n, cx.stream),
                    "logprob rows upload");
        long raw = saved > 0 ? savedRows.address : logits.address();
        int vocab = logits.cols(), splits = Math.max(1, (vocab + LOGPROB_SLICE - 1) / LOGPROB_SLICE);
        if (splits > LOGPROB_SPLITS)  // each slice lives in its block's registers
            throw new IllegalStateException("logprobs on the GPU take vocabularies of up to " + LOGPROB_SPLITS * LOGPROB_SLICE + " tokens, not " + vocab);
        long rowOf = lpMeta.address, tops = lpMeta.address + 4L * capacity, savedOf = lpMeta.address + 8L * capacity;
        cx.launch("logprobs_split_max", n, splits, 1, 256, 0, logits.address(), raw, vocab, rowOf, tops, savedOf, ids.address,
                MAX_TOP, lpPartMax.address, lpPartAbove.address, lpCandV.address, lpCandI.address);
        cx.launch("logprobs_split_sum", n, splits, 1, 256, 0, logits.address(), raw, vocab, rowOf, tops, savedOf, ids.address,
                MAX_TOP, lpPartMax.address, lpPartAbove.address, lpCandV.address, lpCandI.address, lpPartSum.address,
                lpTickets.address, lpF.address, lpI.address);
        long fAt = 12L * capacity, iAt = fAt + 4L * capacity * (MAX_TOP + 1);
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(lpStaging.at(fAt), lpF.ptr, 4L * n * (MAX_TOP + 1), cx.stream), "logprobs download");
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(lpStaging.at(iAt), lpI.ptr, 4L * n * (MAX_TOP + 2), cx.stream), "logprob ids download");
        return n;
    }

    /**
     * Copies the raw logits of the rows that want logprobs and have edits (made in place next) into {@link #savedRows},
     * in row order, with one gather launch; returns how many.
     */
    private int saveRawRows(CudaTensor logits, int rows, SamplingParams[] p, LogitEdits[] edits) {
        int n = 0;
        for (int i = 0; i < rows; i++)
            if (edits[i] != null && p[i] != null && p[i].logprobs() >= 0) savedIdStaging.segment.setAtIndex(ValueLayout.JAVA_INT, n++, i);
        if (n == 0) return 0;
        long rowBytes = 4L * logits.cols();
        if (n * rowBytes > savedBytes) {
            cx.heap.free(savedRows);
            savedBytes = Math.max(n * rowBytes, 8 * rowBytes);
            savedRows = cx.heap.allocate(savedBytes);
        }
        Cu.check(JCudaDriver.cuMemcpyHtoDAsync(savedIds.ptr, savedIdStaging.pointer, 4L * n, cx.stream), "saved row ids upload");
        cx.launch("gather_rows_f32", n, 1, 1, 256, 0, logits.address(), logits.cols(), savedIds.address, savedRows.address);
        return n;
    }

    private void readLogprobs(int rows, SamplingParams[] p, int[] tokens, TokenLogprobs[] out) {
        var seg = lpStaging.segment;
        long fAt = 12L * capacity, iAt = fAt + 4L * capacity * (MAX_TOP + 1);
        int b = 0;
        for (int i = 0; i < rows; i++) {
            if (p[i] == null || p[i].logprobs() < 0) continue;
            int top = Math.min(MAX_TOP, p[i].logprobs());
            long f = fAt + 4L * b * (MAX_TOP + 1), n = iAt + 4L * b * (MAX_TOP + 2);
            int[] topIds = new int[top];
            float[] topLps = new float[top];
            for (int k = 0; k < top; k++) {
                topLps[k] = seg.get(ValueLayout.JAVA_FLOAT, f + 4L * (1 + k));
                topIds[k] = seg.get(ValueLayout.JAVA_INT, n + 4L * (1 + k));
            }
            out[i] = new TokenLogprobs(tokens[i], seg.get(ValueLayout.JAVA_FLOAT, f), seg.get(ValueLayout.JAVA_INT, n), topIds, topLps);
            b++;
        }
    }

    @Override
    public void close() {
        edits.close();
        if (staging != null) staging.close();
        if (lpStaging != null) lpStaging.close();
        if (savedIdStaging != null) savedIdStaging.close();
        savedIdStaging = null;
        cx.heap.free(savedIds);
        savedIds = null;
        cx.heap.free(lpMeta);
        cx.heap.free(lpF);
        cx.heap.free(lpI);
        cx.heap.free(savedRows);
        cx.heap.free(lpPartMax);
        cx.heap.free(lpPartAbove);
        cx.heap.free(lpPartSum);
        cx.heap.free(lpCandV);
        cx.heap.free(lpCandI);
        cx.heap.free(lpTickets);
        lpStaging = null;
        lpMeta = lpF = lpI = savedRows = lpPartMax = lpPartAbove = lpPartSum = lpCandV = lpCandI = lpTickets = null;
        savedBytes = 0;
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
