package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;
import jcuda.driver.JCudaDriver;

import java.util.HashSet;
import java.util.Set;

/**
 * Attention over the paged cache. Decode rows (and any batch the flash kernel does not cover) use the split-context
 * paged kernel; prefill batches use the tensor-core flash kernel. Owns the split kernel's workspace (partial outputs,
 * their log-sum-exps, and the per-(token, KV head) tickets that elect the block that merges the splits).
 */
final class Attention {
    private static final int[] HEAD_DIMS = {8, 16, 32, 64, 128, 256};
    /** Kernel names by log2(head_dim) - 3 and log2(group bucket), built once (launches are on the hot path). */
    private static final String[][] PAGED = new String[HEAD_DIMS.length][4];

    static {
        for (int i = 0; i < HEAD_DIMS.length; i++)
            for (int g = 0; g < 4; g++) PAGED[i][g] = "paged_attention_d" + HEAD_DIMS[i] + "_g" + (1 << g);
    }

    /**
     * Most context splits, at most 32 (the merge's lanes). {@code -Dbaton.cuda.attentionSplits} lowers it for A/B runs;
     * on an H100 every lower cap was slower at batch 1 (each extra pass over keys is one more dependent load).
     */
    private static final int MAX_SPLITS = Math.max(1, Math.min(32, Integer.getInteger("baton.cuda.attentionSplits", 32)));

    /** Splits of decode_rope_attention, its cluster size (DRA_SPLITS in decode_rope_attention.cuh). */
    private static final int ROPE_ATTENTION_SPLITS = 8, ROPE_ATTENTION_THREADS = 256;
    /** decode_rope_attention's instantiations by log2(head_dim) - 4 (16..256) and GQA group (1, 2); built once. */
    private static final String[][] ROPE_ATTENTION = new String[5][2];

    static {
        for (int i = 0; i < 5; i++)
            for (int g = 0; g < 2; g++) ROPE_ATTENTION[i][g] = "decode_rope_attention_d" + (16 << i) + "_g" + (g + 1);
    }
    /**
     * One-row decode steps take RoPE and the KV write into the attention kernel (decode_rope_attention.cuh), which
     * merges its splits within a thread-block cluster: one kernel fewer per layer. On an H100 it made qwen3-0.6b's batch-1
     * step 1-8% faster up to 2048 cached keys and up to 29% slower from 4096 on (8 splits against paged_attention's
     * 32), so only block tables of up to {@link #ROPE_ATTENTION_MAX_CONTEXT} keys take it; llama-3.2-1b's GQA group of
     * 4 was slower with it, and two-row batches gained nothing consistent (experiments/results/cuda-h100/session-2026-11-23g).
     * {@code -Dbaton.cuda.ropeAttention=false} keeps rope_store + paged_attention.
     */
    private final boolean ropeAttention;
    private static final int ROPE_ATTENTION_MAX_CONTEXT = Integer.getInteger("baton.cuda.ropeAttentionMaxContext", 4096);

    private final CudaContext cx;
    private final Runnable buffersChanged;
    private final boolean flashEnabled;
    private final boolean wgmma;
    private final Set<String> sharedMemorySet = new HashSet<>();
    private DeviceMemory partO, partLse, tickets;
    private long partOBytes, partLseBytes, ticketBytes;
    boolean capturing;

    Attention(CudaContext cx, Runnable buffersChanged) {
        this.cx = cx;
        this.buffersChanged = buffersChanged;
        this.flashEnabled = !"false".equals(System.getProperty("baton.cuda.flash"));
        // The wgmma kernel exists only as sm_90a code (H100, H200); -Dbaton.cuda.flash2=false keeps the mma.sync one.
        this.wgmma = cx.computeCapability == 90 && !"false".equals(System.getProperty("baton.cuda.flash2"));
        this.ropeAttention = cx.computeCapability >= 90 && !"false".equals(System.getProperty("baton.cuda.ropeAttention"));
    }

    /**
     * Whether {@link #ropeAttention} takes this layer's RoPE: one decode row whose fp32 qkv a GEMV wrote, a block table
     * of at most {@link #ROPE_ATTENTION_MAX_CONTEXT} keys, head dims 16-256 and GQA groups of 1 or 2.
     */
    boolean takesRope(CudaBatch b, CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaKvCache kv, int rows) {
        if (!ropeAttention || !b.decode || rows != 1 || qkv.dtype() != CudaTensor.DType.F32) return false;
        // The block table's width bounds every context of the batch (and of a captured graph's later replays).
        if ((long) b.meta.btStride * kv.layout().blockSize() > ROPE_ATTENTION_MAX_CONTEXT) return false;
        return qHeads % kvHeads == 0 && ropeAttentionKernel(headDim, qHeads / kvHeads) != null;
    }

    /** The decode_rope_attention instantiation for this head dim and GQA group, or null where none exists. */
    static String ropeAttentionKernel(int headDim, int group) {
        if (headDim < 16 || headDim > 256 || Integer.bitCount(headDim) != 1 || group < 1 || group > 2) return null;
        return ROPE_ATTENTION[Integer.numberOfTrailingZeros(headDim) - 4][group - 1];
    }

    /**
     * Decode attention with the rows' q/k norm (where given), RoPE and K/V cache write done in the same kernel, in
     * place of {@link Rotary#ropeAndStore} followed by {@link #attention}; only where {@link #takesRope} said so.
     */
    void ropeAttention(CudaBatch b, CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaKvCache kv, int layer,
                       long invFreq, CudaTensor qNorm, CudaTensor kNorm, float eps, CudaTensor out, int rows) {
        check(qkv, qHeads, kvHeads, headDim);
        out.writes(CudaTensor.DType.BF16);
        float scaleLog2 = (float) (1.0 / Math.sqrt(headDim) * 1.4426950408889634);
        cx.launch(ropeAttentionKernel(headDim, qHeads / kvHeads), rows, kvHeads, ROPE_ATTENTION_SPLITS, ROPE_ATTENTION_THREADS, 0,
                qkv.address(), qkv.cols(), b.positions(), b.slots(), b.seqOfToken(), b.blockTables(), b.meta.btStride,
                invFreq, qNorm == null ? 0L : qNorm.address(), kNorm == null ? 0L : kNorm.address(), eps,
                kv.keyAddress(layer), kv.valueAddress(layer), out.address(), qHeads, kvHeads, kv.layout().blockSize(),
                scaleLog2);
    }

    /**
     * Splits of each context: enough blocks to fill the GPU twice over, at most 32. The kernel uses fewer when the
     * context is short (a captured graph keeps the grid of the context it was captured at).
     */
    int splits(int rows, int kvHeads, int maxContext, boolean fixedShape) {
        int blocks = rows * kvHeads;
        int s = Math.max(1, Math.min(MAX_SPLITS, (2 * cx.smCount + blocks - 1) / blocks));
        if (!fixedShape) s = Math.min(s, Math.max(1, (maxContext + 63) / 64));
        return s;
    }

    void attention(CudaBatch b, CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaKvCache kv, int layer,
                   CudaTensor out, int rows, boolean fixedShape) {
        check(qkv, qHeads, kvHeads, headDim);
        out.writes(CudaTensor.DType.BF16);
        float scaleLog2 = (float) (1.0 / Math.sqrt(headDim) * 1.4426950408889634);
        int bs = kv.layout().blockSize();
        if (!b.decode && flashEnabled && (headDim == 64 || headDim == 128) && b.meta.numTiles > 0 && Integer.bitCount(bs) == 1) {
            String fn;
            int smem, threads;
            if (wgmma) {
                // flash_prefill2.cuh (FLASH_PREFILL2_THREADS/SMEM): head_dim 64, two warpgroups over a Q tile and two
                // stages of 128-key K and V tiles; head_dim 128, a producer and two consumer warpgroups (Q in
                // registers, no Q tile) over three stages of 128-key K and V tiles (and their mbarriers). Aligned to
                // 1 KiB.
                fn = headDim == 64 ? "flash_prefill2_d64" : "flash_prefill2_d128";
                int q = BatchMetadata.TILE_ROWS * headDim * 2;
                smem = headDim == 64 ? 1024 + q + 4 * 128 * headDim * 2 : 1024 + 3 * 2 * 128 * headDim * 2 + 16 * 3;
                threads = headDim == 64 ? 256 : 384;
            } else {
                // Q tile plus two stages of K and V tiles (64 keys each): 96 KiB at head_dim 128, two blocks per SM.
                fn = headDim == 64 ? "flash_prefill_d64" : "flash_prefill_d128";
                smem = (BatchMetadata.TILE_ROWS + 4 * 64) * headDim * 2;
                threads = 128;
            }
            if (smem > 48 * 1024 && sharedMemorySet.add(fn)) cx.kernels.allowSharedMemory(fn, smem);
            cx.launch(fn, b.meta.numTiles, qHeads, 1, threads, smem,
                    qkv.address(), qkv.cols(), kv.keyAddress(layer), kv.valueAddress(layer), b.positions(), b.tiles(),
                    b.blockTables(), b.meta.btStride, out.address(), qHeads, kvHeads, Integer.numberOfTrailingZeros(bs),
                    scaleLog2, b.meta.numTiles);
            return;
        }
        int group = qHeads / kvHeads;
        int s = splits(rows, kvHeads, b.meta.maxContext, fixedShape);
        long po = 0, pl = 0, tk = 0;
        if (s > 1) {
            ensureWorkspace((long) rows * qHeads * s * headDim * 4, (long) rows * qHeads * s * 4, (long) rows * kvHeads * 4);
            po = partO.address;
            pl = partLse.address;
            tk = tickets.address;
        }
        int gm = group <= 1 ? 0 : group <= 2 ? 1 : group <= 4 ? 2 : 3;
        cx.launch(PAGED[Integer.numberOfTrailingZeros(headDim) - 3][gm], rows, kvHeads, s, 128, 0,
                qkv.address(), qkv.cols(), kv.keyAddress(layer), kv.valueAddress(layer), b.positions(), b.seqOfToken(),
                b.blockTables(), b.meta.btStride, out.address(), po, pl, tk, qHeads, kvHeads, bs, scaleLog2,
                b.decode ? 1 : 0);
    }

    private static void check(CudaTensor qkv, int qHeads, int kvHeads, int headDim) {
        Norms.requireF32(qkv, "qkv");
        int group = qHeads / kvHeads;
        if (group * kvHeads != qHeads) throw new EngineException("query heads " + qHeads + " not a multiple of KV heads " + kvHeads);
        if (group > 8) throw new EngineException("GQA groups larger than 8 are not supported by the CUDA backend (group " + group + ")");
        if (!supported(headDim)) throw new EngineException("head_dim " + headDim + " is not supported by the CUDA backend (8..256, a power of two)");
    }

    static boolean supported(int headDim) {
        for (int d : HEAD_DIMS) if (d == headDim) return true;
        return false;
    }

    private void ensureWorkspace(long oBytes, long lseBytes, long tBytes) {
        if (oBytes <= partOBytes && lseBytes <= partLseBytes && tBytes <= ticketBytes) return;
        if (capturing) throw new IllegalStateException("attention workspace must grow during graph capture");
        cx.synchronize();
        cx.heap.free(partO);
        cx.heap.free(partLse);
        cx.heap.free(tickets);
        partOBytes = Math.max(oBytes, partOBytes);
        partLseBytes = Math.max(lseBytes, partLseBytes);
        ticketBytes = Math.max(tBytes, ticketBytes);
        partO = cx.heap.allocate(partOBytes);
        partLse = cx.heap.allocate(partLseBytes);
        tickets = cx.heap.allocate(ticketBytes);
        Cu.check(JCudaDriver.cuMemsetD8(tickets.ptr, (byte) 0, ticketBytes), "cuMemsetD8");
        buffersChanged.run();
    }
}
