package ai.baton.engine.backend.cuda;

import ai.baton.engine.sampling.LogitEdits;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Applies rows' {@link LogitEdits} to logits on the GPU before the draw ({@code logit_edits}): the edits go up in one
 * copy (tens of bytes per penalised token, a bit per vocabulary token for a guided row) instead of the logits coming
 * down (4 bytes per vocabulary token per row). Buffers grow to the largest step seen and are reused; the sampler
 * waits for its stream before a step returns, so the staging copy is free again by the next one.
 */
final class DeviceLogitEdits implements AutoCloseable {
    private final CudaContext cx;
    private PinnedHost staging;
    private DeviceMemory device;
    private long capacity;

    DeviceLogitEdits(CudaContext cx) { this.cx = cx; }

    /** Edits {@code logits} (fp32, one row per entry of {@code edits}) in place on the context's stream. */
    void apply(CudaTensor logits, int vocab, LogitEdits[] edits) {
        int n = 0, entries = 0, words = 0;
        for (LogitEdits e : edits) {
            if (e == null) continue;
            n++;
            entries += e.size();
            if (e.allowed() != null) words += e.allowed().length;
        }
        if (n == 0) return;
        long penOff = align8(4L * (4L * n + 1 + 4L * entries));
        long maskOff = penOff + 24L * n;
        long bytes = maskOff + 8L * words;
        if (penOff > Integer.MAX_VALUE || bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("logit edits of " + bytes + " bytes");
        ensure(bytes);
        MemorySegment s = staging.segment;
        int b = 0, e0 = 0, w0 = 0;
        long tokensAt = 4L * (4L * n + 1), countsAt = tokensAt + 4L * entries, flagsAt = countsAt + 4L * entries,
                biasAt = flagsAt + 4L * entries;
        for (int row = 0; row < edits.length; row++) {
            LogitEdits e = edits[row];
            if (e == null) continue;
            s.setAtIndex(ValueLayout.JAVA_INT, b, row);
            s.setAtIndex(ValueLayout.JAVA_INT, n + b, e0);
            long[] allowed = e.allowed();
            s.setAtIndex(ValueLayout.JAVA_INT, 2L * n + 1 + b, allowed == null ? -1 : w0);
            s.setAtIndex(ValueLayout.JAVA_INT, 3L * n + 1 + b, allowed == null ? 0 : allowed.length);
            for (int i = 0; i < e.size(); i++, e0++) {
                s.set(ValueLayout.JAVA_INT, tokensAt + 4L * e0, e.tokens()[i]);
                s.set(ValueLayout.JAVA_INT, countsAt + 4L * e0, e.counts()[i]);
                s.set(ValueLayout.JAVA_INT, flagsAt + 4L * e0, e.flags()[i]);
                s.set(ValueLayout.JAVA_FLOAT, biasAt + 4L * e0, e.bias()[i]);
            }
            s.set(ValueLayout.JAVA_DOUBLE, penOff + 24L * b, e.repetition());
            s.set(ValueLayout.JAVA_DOUBLE, penOff + 24L * b + 8, e.frequency());
            s.set(ValueLayout.JAVA_DOUBLE, penOff + 24L * b + 16, e.presence());
            if (allowed != null) {
                MemorySegment.copy(allowed, 0, s, ValueLayout.JAVA_LONG, maskOff + 8L * w0, allowed.length);
                w0 += allowed.length;
            }
            b++;
        }
        s.setAtIndex(ValueLayout.JAVA_INT, 2L * n, e0);  // entryStart[n]
        Cu.check(JCudaDriver.cuMemcpyHtoDAsync(device.ptr, staging.pointer, bytes, cx.stream), "logit edits upload");
        cx.launch("logit_edits", n, 1, 1, 256, 0, logits.address(), vocab, device.address, n, entries, (int) penOff, (int) maskOff);
    }

    private static long align8(long v) { return (v + 7) & ~7L; }

    private void ensure(long bytes) {
        if (bytes <= capacity) return;
        close();
        capacity = Math.max(bytes, 64 * 1024);
        staging = new PinnedHost(capacity);
        device = cx.heap.allocate(capacity);
    }

    @Override
    public void close() {
        if (staging != null) staging.close();
        cx.heap.free(device);
        staging = null;
        device = null;
        capacity = 0;
    }
}
