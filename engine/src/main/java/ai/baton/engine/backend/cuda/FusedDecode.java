package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.DecoderStack;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.util.List;

/**
 * Every decoder layer of a one-token decode step as one persistent kernel (fused_decode.cuh): one block per SM, a
 * producer warp streaming the weights through a shared-memory ring, grid-wide barriers between a layer's phases.
 * Owns what the kernel needs beyond the model's tensors: the table of per-layer device pointers (weights and that
 * layer's KV cache), the scratch activations, the attention partials, and the barrier counters; rebuilt
 * when the model or the cache changes.
 *
 * <p>{@code -Dbaton.cuda.fusedDecode=auto} (the default) uses it for hidden sizes from {@link #AUTO_MIN_HIDDEN} on,
 * where it measured faster than the op-by-op kernels on an H100 (llama-3.1-8b batch 1, two A/B rounds in one call:
 * 5.93 and 5.91 vs 6.07 and 6.11 ms per step); for the small models the op-by-op kernels were faster (qwen3-0.6b 1.08
 * vs 0.94-1.00 ms, llama-3.2-1b 1.24 vs 1.13-1.18): there the kernel's per-phase latency (grid barrier, input from
 * L2, ring slots arriving at the DRAM rate) outweighs what it saves. {@code true} and {@code false} force it on or
 * off. Results are not bitwise reproducible run to run: blocks add row partials in shared memory atomically.
 */
final class FusedDecode implements AutoCloseable {
    // fused_decode.cuh: FD_THREADS, FD_SLOT_BYTES, FD_MAX_SLOTS, FD_MAX_ROWS, FD_FIXED_BYTES, FD_CONSUMER_WARPS.
    private static final int THREADS = 288, SLOT_BYTES = 16384, MAX_SLOTS = 16, MAX_ROWS = 512, WARPS = 8;
    private static final int FIXED_BYTES = 2 * MAX_SLOTS * 8 + MAX_ROWS * 4 + 64 * 4;
    /** Fewer ring slots than this and the producer cannot run far enough ahead to be worth it. */
    private static final int MIN_SLOTS = 4;
    private static final int LAYER_LONGS = 11;
    /** Context splits of the attention phase at most: every block merges them all before the o projection. */
    private static final int MAX_SPLITS = 16;

    private final CudaContext cx;
    private final Runnable buffersChanged;
    private final boolean enabled;
    private final String mode;
    static final int AUTO_MIN_HIDDEN = 4096;
    private List<DecoderStack.Layer> builtFor;
    private CudaKvCache builtKv;
    private DeviceMemory table, scratch;
    private long qkv, act, partO, partLse, sync;
    private int maxSplits, slots, sharedBytes;
    private String kernel;
    private String sharedSetFor;
    /**
     * Diagnostics, with wrong results: {@code -Dbaton.cuda.fusedDecodeDiag=1} skips the grid barriers, {@code 2} the
     * weight stream (consumers read whatever the ring holds), {@code 3} both: what each costs is the difference in
     * step time (an H100, qwen3-0.6b: 1.10 ms with both, 0.80 without barriers, 0.98 without the stream, 0.74 without
     * either).
     */
    private final int diag = Integer.getInteger("baton.cuda.fusedDecodeDiag", 0) & 3;

    FusedDecode(CudaContext cx, Runnable buffersChanged) {
        this.cx = cx;
        this.buffersChanged = buffersChanged;
        this.mode = System.getProperty("baton.cuda.fusedDecode", "auto");
        this.enabled = cx.computeCapability >= 90 && !"false".equals(mode);
    }

    /** Whether the kernel can run this stack over this cache (else the model runs op by op). */
    boolean supports(DecoderStack s, CudaKvCache kv) {
        if (!enabled || ("auto".equals(mode) && s.hidden() < AUTO_MIN_HIDDEN)) return false;
        if (builtFor(s, kv)) return true;  // checked when built: no per-step walk over the layers
        int d = s.headDim(), g = s.qHeads() / Math.max(1, s.kvHeads()), nb = cx.smCount;
        if (d != 16 && d != 32 && d != 64 && d != 128) return false;
        if (g * s.kvHeads() != s.qHeads() || g > 8 || s.kvHeads() > nb) return false;
        if (s.hidden() % 8 != 0 || s.intermediate() % 8 != 0) return false;
        int qkvRows = (s.qHeads() + 2 * s.kvHeads()) * d;
        if (ceilDiv(qkvRows, nb) > MAX_ROWS || ceilDiv(s.hidden(), nb) > MAX_ROWS || 2 * ceilDiv(s.intermediate(), nb) > MAX_ROWS)
            return false;
        if (ringSlots(s) < MIN_SLOTS) return false;
        for (DecoderStack.Layer l : s.layers()) {
            for (var w : new CudaTensor[]{(CudaTensor) l.qkv(), (CudaTensor) l.o(), (CudaTensor) l.gateUp(), (CudaTensor) l.down()})
                if (w.dtype() != CudaTensor.DType.BF16) return false;
            if (l.qkvBias() != null && ((CudaTensor) l.qkvBias()).dtype() != CudaTensor.DType.F32) return false;
        }
        return kv.layout().numLayers() >= s.layers().size();
    }

    /** Whether the kernel's buffers are built for this stack and cache (building needs allocations and a sync). */
    boolean builtFor(DecoderStack s, CudaKvCache kv) { return builtFor == s.layers() && builtKv == kv; }

    /** Queues the kernel: residual (fp32 [1, hidden]) in and out, every layer's K/V of the batch's one token written. */
    void run(CudaBatch b, DecoderStack s, CudaTensor residual, CudaKvCache kv, long invFreq) {
        if (!builtFor(s, kv)) build(s, kv);
        if (!kernel.equals(sharedSetFor)) {
            cx.kernels.allowSharedMemory(kernel, sharedBytes);
            sharedSetFor = kernel;
        }
        float scaleLog2 = (float) (1.0 / Math.sqrt(s.headDim()) * 1.4426950408889634);
        // Cooperative: the grid barriers need every block resident, also beside another engine's kernels on this GPU.
        cx.launchCooperative(kernel, cx.smCount, THREADS, sharedBytes,
                table.address, s.layers().size(), s.hidden(), s.qHeads(), s.kvHeads(), s.intermediate(), s.eps(), scaleLog2,
                residual.address(), b.positions(), b.slots(), b.blockTables(), kv.layout().blockSize(), invFreq,
                qkv, act, partO, partLse, maxSplits, sync, slots, diag);
    }

    private int activationBytes(DecoderStack s) {
        int d = s.headDim(), gm = groupBucket(s.qHeads() / s.kvHeads());
        int maxIn = Math.max(s.hidden(), Math.max(s.qHeads() * d, s.intermediate()));
        int attnScratch = 4 * (gm * d + 2 * WARPS * gm + 32 * gm + WARPS * gm * d);
        int merge = 2 * s.qHeads() * d + 4 * s.qHeads() * MAX_SPLITS;  // merged output, then the split weights
        return Math.max(Math.max(2 * maxIn, attnScratch), merge);
    }

    private int ringSlots(DecoderStack s) {
        int fit = Math.min(MAX_SLOTS, (cx.sharedMemoryOptin - FIXED_BYTES - activationBytes(s)) / SLOT_BYTES);
        // Diagnostics: a smaller ring, to see how far ahead the producer must run.
        return Math.min(fit, Integer.getInteger("baton.cuda.fusedDecodeSlots", MAX_SLOTS));
    }

    private static int groupBucket(int g) { return g <= 1 ? 1 : g <= 2 ? 2 : g <= 4 ? 4 : 8; }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    private void build(DecoderStack s, CudaKvCache kv) {
        cx.synchronize();  // the old buffers may still be in use by queued work
        cx.heap.free(table);
        cx.heap.free(scratch);
        int layers = s.layers().size(), d = s.headDim();
        long[] rows = new long[layers * LAYER_LONGS];
        for (int l = 0; l < layers; l++) {
            DecoderStack.Layer w = s.layers().get(l);
            int at = l * LAYER_LONGS;
            rows[at] = address(w.qkv());
            rows[at + 1] = address(w.qkvBias());
            rows[at + 2] = address(w.qNorm());
            rows[at + 3] = address(w.kNorm());
            rows[at + 4] = address(w.o());
            rows[at + 5] = address(w.inputNorm());
            rows[at + 6] = address(w.postNorm());
            rows[at + 7] = address(w.gateUp());
            rows[at + 8] = address(w.down());
            rows[at + 9] = kv.keyAddress(l);
            rows[at + 10] = kv.valueAddress(l);
        }
        table = cx.heap.allocate(8L * rows.length);
        Cu.check(JCudaDriver.cuMemcpyHtoD(table.ptr, Pointer.to(rows), 8L * rows.length), "fused decode layer table");

        maxSplits = Math.max(1, Math.min(MAX_SPLITS, cx.smCount / s.kvHeads()));
        long[] sizes = {
                4L * (s.qHeads() + 2L * s.kvHeads()) * d,      // qkv, fp32
                2L * s.intermediate(),                         // silu(gate) * up, bf16
                4L * s.qHeads() * maxSplits * d,               // partial outputs
                4L * s.qHeads() * maxSplits,                   // their log-sum-exps
                8L};                                           // barrier and exit counters
        long[] at = new long[sizes.length];
        long total = 0;
        for (int i = 0; i < sizes.length; i++) {
            at[i] = total;
            total += (sizes[i] + 255) & ~255L;
        }
        scratch = cx.heap.allocate(total);
        Cu.check(JCudaDriver.cuMemsetD8(scratch.ptr, (byte) 0, total), "fused decode scratch");  // counters start at zero
        long base = scratch.address;
        qkv = base + at[0];
        act = base + at[1];
        partO = base + at[2];
        partLse = base + at[3];
        sync = base + at[4];

        slots = ringSlots(s);
        sharedBytes = slots * SLOT_BYTES + FIXED_BYTES + activationBytes(s);
        kernel = "fused_decode_d" + d + "_g" + groupBucket(s.qHeads() / s.kvHeads());
        builtFor = s.layers();
        builtKv = kv;
        buffersChanged.run();  // a captured graph may point at the old buffers
    }

    private static long address(ai.baton.engine.backend.Tensor t) { return t == null ? 0L : ((CudaTensor) t).address(); }

    @Override
    public void close() {
        cx.heap.free(table);
        cx.heap.free(scratch);
        table = scratch = null;
        builtFor = null;
        builtKv = null;
    }
}
