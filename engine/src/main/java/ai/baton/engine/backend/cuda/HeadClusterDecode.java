package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.DecoderStack;
import ai.baton.engine.backend.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoder layers of a one-token decode step as three kernels per layer: the attention block in one kernel with a
 * thread-block cluster per query head (head_cluster_attention.cuh: norm, q/k/v, RoPE, K/V write, attention and the o
 * product, summed into the residual), then the norm + gate/up + SiLU GEMV and the down GEMV of {@link Linear}.
 * Op by op the attention block is three kernels with two grid-wide hand-overs; here the hand-overs between a head's
 * q/k/v, its attention and its share of the o product stay inside its cluster.
 *
 * <p>The attention kernel reads the residual and adds into a copy of it (its clusters do not wait for each other), so
 * this class owns that copy and keeps it equal to the residual: a copy kernel before the first layer, then the down
 * GEMV writes both. It also owns the silu(gate)·up activation. Taken where all clusters fit on the GPU at once and
 * the context is short enough for 8 splits, and by default only for GQA groups above 2 ({@link #AUTO_MIN_GROUP}).
 */
final class HeadClusterDecode implements AutoCloseable {
    /** head_cluster_attention.cuh: HCA_SPLITS (blocks per cluster, context splits) and 256 threads per block. */
    private static final int SPLITS = 8, THREADS = 256;
    /** Its static shared memory at most (attention scratch, merged output), beside the dynamic part. */
    private static final int STATIC_SHARED = 8 * 1024;
    /**
     * Longest block table, in keys, that it takes: its 8 splits make long contexts slow, as for decode_rope_attention
     * ({@link Attention}), whose limit this is.
     */
    private static final int MAX_CONTEXT = Integer.getInteger("baton.cuda.headClusterMaxContext", 4096);
    /**
     * {@code -Dbaton.cuda.headCluster=auto} (the default) takes it for GQA groups above this, where op by op RoPE is a
     * kernel of its own (decode_rope_attention covers groups of 1 and 2). Measured on an H100 at batch 1, 512 cached
     * keys (experiments/results/cuda-h100/session-2026-11-23j): qwen2.5-0.5b (group 7) 0.69-0.71 ms per step against
     * 0.85-0.91 op by op; qwen3-0.6b (group 2) 0.92-0.96 against 0.90-0.94, so not there. {@code true} and
     * {@code false} force it on (where the shape allows) or off.
     */
    static final int AUTO_MIN_GROUP = 2;

    private final CudaContext cx;
    private final Linear linear;
    private final Runnable buffersChanged;
    private final boolean enabled;
    private final String mode;
    private final Map<String, Integer> sharedAllowed = new HashMap<>();
    private List<DecoderStack.Layer> checkedFor, builtFor;
    private boolean checkedResult;
    /** The residual's copy (fp32 [hidden]) and silu(gate)·up (bf16 [intermediate]). */
    private DeviceMemory scratch;
    private long residualCopy, act;

    HeadClusterDecode(CudaContext cx, Linear linear, Runnable buffersChanged) {
        this.cx = cx;
        this.linear = linear;
        this.buffersChanged = buffersChanged;
        this.mode = System.getProperty("baton.cuda.headCluster", "auto");
        this.enabled = cx.computeCapability >= 90 && !"false".equals(mode);
    }

    /** Whether it can run this stack's layers for this one-token batch (else they run op by op). */
    boolean supports(CudaBatch b, DecoderStack s, CudaKvCache kv) {
        if (!enabled || (long) b.meta.btStride * kv.layout().blockSize() > MAX_CONTEXT) return false;
        if (checkedFor != s.layers()) {
            checkedResult = check(s, kv);
            checkedFor = s.layers();
        }
        return checkedResult;
    }

    private boolean check(DecoderStack s, CudaKvCache kv) {
        int d = s.headDim(), h = s.hidden();
        if (d != 64 && d != 128) return false;
        if (s.kvHeads() < 1 || s.qHeads() % s.kvHeads() != 0) return false;
        if ("auto".equals(mode) && s.qHeads() / s.kvHeads() <= AUTO_MIN_GROUP) return false;
        if ((long) s.qHeads() * SPLITS > cx.smCount) return false;  // every cluster resident at once
        if (h % 64 != 0 || s.intermediate() % 8 != 0 || !Linear.normFits(1, h)) return false;
        if (sharedBytes(d, h) + STATIC_SHARED > cx.sharedMemoryOptin) return false;
        if (kv.layout().numLayers() < s.layers().size()) return false;
        for (DecoderStack.Layer l : s.layers()) {
            for (Tensor w : new Tensor[]{l.qkv(), l.o(), l.gateUp(), l.down()})
                if (((CudaTensor) w).dtype() != CudaTensor.DType.BF16) return false;
            for (Tensor w : new Tensor[]{l.qkvBias(), l.qNorm(), l.kNorm(), l.inputNorm(), l.postNorm()})
                if (w != null && ((CudaTensor) w).dtype() != CudaTensor.DType.F32) return false;
        }
        return true;
    }

    /** Dynamic shared memory of head_cluster_attention: q/k/v rows (later the o share) and the normalised input, bf16. */
    private static int sharedBytes(int d, int hidden) {
        return 2 * (3 * d / SPLITS * hidden + hidden);
    }

    /** Whether its buffers are built for this stack (building allocates, which a graph capture cannot). */
    boolean builtFor(DecoderStack s) { return builtFor == s.layers(); }

    /** Queues every layer: residual (fp32 [1, hidden]) in and out, every layer's K/V of the batch's token written. */
    void run(CudaBatch b, DecoderStack s, CudaTensor residual, CudaKvCache kv, long invFreq) {
        if (!builtFor(s)) build(s);
        int d = s.headDim(), h = s.hidden();
        String fn = "head_cluster_attention_d" + d;
        int smem = sharedBytes(d, h);
        if (!Integer.valueOf(smem).equals(sharedAllowed.get(fn))) {
            cx.kernels.allowSharedMemory(fn, smem);
            sharedAllowed.put(fn, smem);
        }
        float scaleLog2 = (float) (1.0 / Math.sqrt(d) * 1.4426950408889634);
        long x = residual.address();
        cx.launch("copy_f32", 1, 1, 1, 256, 0, x, residualCopy, h);
        List<DecoderStack.Layer> layers = s.layers();
        for (int l = 0; l < layers.size(); l++) {
            DecoderStack.Layer w = layers.get(l);
            cx.launch(fn, SPLITS, s.qHeads(), 1, THREADS, smem,
                    address(w.qkv()), address(w.qkvBias()), address(w.inputNorm()), s.eps(), x, residualCopy, address(w.o()), h,
                    address(w.qNorm()), address(w.kNorm()), invFreq, b.positions(), b.slots(), b.seqOfToken(),
                    b.blockTables(), b.meta.btStride, kv.keyAddress(l), kv.valueAddress(l), s.qHeads(), s.kvHeads(),
                    kv.layout().blockSize(), scaleLog2);
            linear.gemv(Linear.Form.NORM_GATE_UP_SILU, (CudaTensor) w.gateUp(), residualCopy, address(w.postNorm()), s.eps(), 0L, act, 1);
            // residualCopy += act · downᵀ, and the residual set to the same (the RESIDUAL form's copy argument)
            linear.gemv(Linear.Form.RESIDUAL, (CudaTensor) w.down(), act, 0L, 0f, x, residualCopy, 1);
        }
    }

    private void build(DecoderStack s) {
        cx.synchronize();  // the old buffers may still be in use by queued work
        cx.heap.free(scratch);
        scratch = null;
        builtFor = null;  // until the new buffers exist (an allocation that throws leaves nothing to free twice)
        long copyBytes = (4L * s.hidden() + 255) & ~255L;
        scratch = cx.heap.allocate(copyBytes + 2L * s.intermediate());
        residualCopy = scratch.address;
        act = scratch.address + copyBytes;
        builtFor = s.layers();
        buffersChanged.run();  // a captured graph may point at the old buffers
    }

    private static long address(Tensor t) { return t == null ? 0L : ((CudaTensor) t).address(); }

    @Override
    public void close() {
        cx.heap.free(scratch);
        scratch = null;
        builtFor = null;
    }
}
