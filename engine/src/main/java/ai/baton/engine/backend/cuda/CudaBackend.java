package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.BatchContext;
import ai.baton.engine.backend.DecoderStack;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.HostKvMemory;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.Tensor;
import ai.baton.engine.kv.KvCopy;
import ai.baton.engine.sampling.LogitEdits;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * The GPU backend: bf16 weights and KV cache in device memory, fp32 accumulation, every op queued on one stream of
 * the device's primary context (JCuda for the driver API, cuBLAS through FFM). Decode steps are captured as CUDA
 * graphs, one per batch-size bucket, over static buffers; prefill runs eagerly.
 *
 * <p>Ops the model calls back to back are fused, which matters most for decode at small batch, where a step is a
 * chain of dependent kernels: q/k norm is folded into the RoPE + KV-write kernel; and for GEMV-sized batches an
 * RMSNorm is folded into the next GEMV's prologue, a projection followed by {@code addRmsNorm} adds into the residual
 * in its epilogue, and the gate/up GEMV followed by {@code siluMul} writes silu(gate)·up itself. Where cuBLAS computes
 * the products (prefill, larger decode batches) the QKV, gate/up, o and down products are written in bf16, as a bf16
 * model rounds them, and read so by RoPE, SiLU and the residual add (half the bytes of fp32). The first op of a
 * pair only records what it owes ({@link #pending}); every op either consumes that debt or settles it (launches it
 * unfused) before anything else, so the stream always sees the model's order. A method that hands a tensor to
 * anything outside these ops must call {@link #settleAll()} first.
 */
public final class CudaBackend implements Backend {
    private final CudaContext cx;
    private final Embedding embedding;
    private final Norms norms;
    private final Linear linear;
    private final Rotary rotary;
    private final Attention attention;
    private final Activation activation;
    private final DeviceSampler sampler;
    private final WeightLoader weights;
    private final DecodeGraphs graphs;
    private final FusedDecode fusedDecode;
    private final HeadClusterDecode headCluster;
    private final KvBlockCopies kvCopies;

    private boolean graphsEnabled = !"false".equals(System.getProperty("baton.cuda.graphs"));
    /** Fold norms, residual adds and SiLU into decode GEMVs ({@code -Dbaton.cuda.fuse=false} to compare). */
    private final boolean fuse = !"false".equals(System.getProperty("baton.cuda.fuse"));
    /** Write the gate/up product in bf16 for siluMul, as a bf16 model does ({@code -Dbaton.cuda.gateUpBf16=false}). */
    private final boolean gateUpBf16 = !"false".equals(System.getProperty("baton.cuda.gateUpBf16"));
    /** Write the o and down products in bf16 before the residual add, as a bf16 model does ({@code -Dbaton.cuda.projBf16=false}). */
    private final boolean projBf16 = !"false".equals(System.getProperty("baton.cuda.projBf16"));
    /** Write the QKV product in bf16 for RoPE where cuBLAS computes it, as a bf16 model does ({@code -Dbaton.cuda.qkvBf16=false}). */
    private final boolean qkvBf16 = !"false".equals(System.getProperty("baton.cuda.qkvBf16"));
    /** Rotated q of a bf16 qkv (fp32, grown as needed), and which qkv storage it was rotated from. */
    private DeviceMemory rotatedQ;
    private CudaTensor rotatedQView;
    private CudaTensor.Storage rotatedFrom;
    /** Bumped whenever a buffer that a captured graph may reference is replaced. */
    private long generation;
    /** While a decode graph is warmed up or captured: the bucket's row count, which every op then runs over. */
    private int graphRows;

    private DeviceMemory invFreq, eagerMeta;
    private float[] invFreqHost;
    private long eagerMetaBytes;
    private PinnedHost metaStaging;
    private final CUevent metaUploaded = new CUevent();
    private boolean metaPending;

    private record PendingQk(CudaTensor.Storage qkv, CudaTensor qNorm, CudaTensor kNorm, float eps, int qHeads, int kvHeads, int headDim, int rows) {}
    /** An RMSNorm not yet launched: {@code out = rmsNorm(x) * weight}. */
    private record PendingNorm(CudaTensor x, CudaTensor weight, float eps, CudaTensor out, int rows) {}
    /** A GEMV not yet launched; {@code norm} non-null when its input is that norm (folded into its prologue). */
    private record PendingGemv(CudaTensor x, PendingNorm norm, CudaTensor w, CudaTensor bias, CudaTensor out, int rows) {}
    /** A cuBLAS product (no bias) not yet launched: a following siluMul or addRmsNorm takes it in bf16. (Accumulating the o and down
     *  products into the residual with beta = 1 was tried: no faster in prefill, slower at decode batch 8-128.) */
    private record PendingGemm(CudaTensor x, CudaTensor w, CudaTensor out, int rows) {}
    private PendingQk pendingQk;
    /** RoPE (and K/V write) of a decode layer that the attention kernel takes over ({@link Attention#takesRope}). */
    private record PendingRope(CudaBatch b, CudaTensor.Storage qkv, int qHeads, int kvHeads, int headDim, CudaKvCache kv,
                               int layer, CudaTensor qNorm, CudaTensor kNorm, float eps, int rows) {}
    private PendingRope pendingRope;
    /** At most one of these is owed at a time. */
    private Object pending;
    private OpProfiler profiler;

    public CudaBackend(int device) {
        cx = new CudaContext(device);
        try {
            embedding = new Embedding(cx);
            norms = new Norms(cx);
            linear = new Linear(cx);
            rotary = new Rotary(cx);
            attention = new Attention(cx, () -> generation++);
            activation = new Activation(cx);
            sampler = new DeviceSampler(cx);
            weights = new WeightLoader(cx);
            graphs = new DecodeGraphs(cx);
            fusedDecode = new FusedDecode(cx, () -> generation++);
            headCluster = new HeadClusterDecode(cx, linear, () -> generation++);
            kvCopies = new KvBlockCopies(cx);
            Cu.check(JCudaDriver.cuEventCreate(metaUploaded, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            // Debugging aid: wait after every op, so a failing kernel is named (graphs are bypassed meanwhile).
            if (Boolean.getBoolean("baton.cuda.debugSync")) profiler = new OpProfiler(cx);
        } catch (RuntimeException e) {
            cx.close();
            throw e;
        }
    }

    @Override public String name() { return "cuda"; }

    /** Turns decode graphs on or off (benchmarks compare both). */
    public void setGraphsEnabled(boolean on) {
        cx.bind();
        graphsEnabled = on;
    }

    public boolean graphsEnabled() { return graphsEnabled; }

    /** Graphs captured so far, and how many are ready to replay. */
    public String graphStats() { return graphs.captures + " captured, " + graphs.size() + " live"; }

    public String deviceName() { return cx.deviceName; }

    /** Kernels in the live decode graph of the bucket that serves {@code batch}, or 0. */
    public int graphNodes(int batch) { return graphs.nodes(DecodeGraphs.bucket(batch)); }

    /** Whether kernels are launched with programmatic dependent launch. */
    public boolean pdl() { return cx.kernels.pdl; }

    public int multiprocessors() { return cx.smCount; }

    public long deviceBytesAllocated() { return cx.heap.bytes(); }

    /** Starts timing every op on the GPU (waits after each op; graphs are bypassed while it runs). */
    public void startProfile() {
        cx.bind();
        if (profiler == null) profiler = new OpProfiler(cx);
    }

    /** Stops timing; op name to {total ms, calls}. */
    public java.util.Map<String, double[]> stopProfile() {
        if (profiler == null) return java.util.Map.of();
        var t = new java.util.LinkedHashMap<>(profiler.totals());
        profiler.close();
        profiler = null;
        return t;
    }

    private KernelTimeline timeline;

    /** A step's kernels as {@link KernelTimeline} saw them: names (of eager launches) and {start, waitReturned} ns. */
    public record Timeline(List<String> names, long[][] entries) {}

    /** Starts recording a kernel timeline (diagnostics; graph replays are recorded too, without names). */
    public void startTimeline() {
        if (timeline != null) timeline.close();
        timeline = new KernelTimeline(cx);
    }

    public Timeline stopTimeline() {
        if (timeline == null) return new Timeline(List.of(), new long[0][]);
        try {
            long[][] e = timeline.stop();
            return new Timeline(timeline.names(), e);
        } finally {
            timeline.close();
            timeline = null;
        }
    }

    private void begin() { if (profiler != null) profiler.begin(); }

    private void end(String op) { if (profiler != null) profiler.end(op); }

    // ---------------------------------------------------------------- memory

    @Override
    public Tensor loadWeight(List<WeightSlice> parts) {
        cx.bind();
        return weights.load(parts);
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        cx.bind();
        if (graphs.isCapturing()) throw new IllegalStateException("allocation during graph capture");
        // Room for a whole graph bucket beyond the rows asked for: a decode graph runs its ops over the bucket.
        int capacity = Math.max(Math.max(1, rows), DecodeGraphs.MAX_BATCH);
        DeviceMemory m = cx.heap.allocate((long) capacity * cols * 4);
        generation++;
        return new CudaTensor(new CudaTensor.Storage(m, capacity, cols, CudaTensor.DType.F32, false), rows);
    }

    @Override
    public Tensor view(Tensor t, int rows) {
        return new CudaTensor(((CudaTensor) t).storage, rows);
    }

    @Override
    public KvCacheStorage allocateKvCache(KvLayout layout) {
        cx.bind();
        generation++;
        return new CudaKvCache(layout, cx.heap);
    }

    @Override
    public HostKvMemory allocateHostKv(long bytes) {
        return new MappedHostKv(cx, bytes);
    }

    @Override
    public void copyKvBlocks(KvCacheStorage kv, HostKvMemory host, List<KvCopy> copies) {
        if (graphs.isCapturing()) throw new IllegalStateException("KV block copies during graph capture");
        kvCopies.copy(kv, host, copies);
    }

    /** Fills a KV cache with small random values (benchmarks that skip prefill). */
    public void fillRandom(KvCacheStorage kv, long seed) {
        cx.bind();
        CudaKvCache c = (CudaKvCache) kv;
        long n = c.layout().regionBytes() / 2;
        for (int l = 0; l < c.layout().numLayers(); l++) {
            for (DeviceMemory m : new DeviceMemory[]{c.keyMemory(l), c.valueMemory(l)}) {
                int blocks = (int) Math.min(cx.smCount * 32L, Math.max(1, (n + 255) / 256));
                cx.launch("fill_uniform_bf16", blocks, 1, 1, 256, 0, m.address, n, 1, 0L, 0, 1L, seed++, 0.5f);
            }
        }
        cx.synchronize();
    }

    // ---------------------------------------------------------------- batches and graphs

    @Override
    public BatchContext prepare(ForwardBatch batch, float[] inverseFrequencies) {
        cx.bind();
        graphs.abortCapture();   // a forward that threw mid-capture
        attention.capturing = false;
        graphRows = 0;
        pendingQk = null;
        pendingRope = null;
        pending = null;
        rotatedFrom = null;
        uploadInvFreq(inverseFrequencies);
        boolean decode = BatchMetadata.isDecode(batch);
        int maxBlocks = BatchMetadata.maxBlocks(batch);
        if (graphsEnabled && decode && batch.numTokens() <= DecodeGraphs.MAX_BATCH) {
            int rows = DecodeGraphs.bucket(batch.numTokens());
            int stride = DecodeGraphs.stride(maxBlocks);
            BatchMetadata meta = new BatchMetadata(batch, rows, stride, false);
            DecodeGraphs.Entry e = graphs.entry(rows, stride, 4L * meta.length);
            upload(meta, e.meta);
            return new CudaBatch(batch, meta, true, e, e.meta.address);
        }
        BatchMetadata meta = new BatchMetadata(batch, batch.numTokens(), maxBlocks, !decode);
        if (4L * meta.length > eagerMetaBytes) {
            cx.synchronize();
            cx.heap.free(eagerMeta);
            eagerMetaBytes = Math.max(4L * meta.length, 2 * eagerMetaBytes);
            eagerMeta = cx.heap.allocate(eagerMetaBytes);
        }
        upload(meta, eagerMeta);
        return new CudaBatch(batch, meta, decode, null, eagerMeta.address);
    }

    private void uploadInvFreq(float[] f) {
        if (f == invFreqHost || Arrays.equals(f, invFreqHost)) return;
        if (invFreq == null || invFreq.bytes < 4L * f.length) {
            cx.synchronize();
            cx.heap.free(invFreq);
            invFreq = cx.heap.allocate(4L * Math.max(1, f.length));
            generation++;
        }
        PinnedHost staging = metaStaging(4L * f.length);
        for (int i = 0; i < f.length; i++) staging.segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, f[i]);
        Cu.check(JCudaDriver.cuMemcpyHtoDAsync(invFreq.ptr, staging.pointer, 4L * f.length, cx.stream), "inv_freq upload");
        cx.synchronize();
        invFreqHost = f.clone();
    }

    private PinnedHost metaStaging(long bytes) {
        if (metaPending) {
            Cu.check(JCudaDriver.cuEventSynchronize(metaUploaded), "metadata upload");
            metaPending = false;
        }
        if (metaStaging == null || metaStaging.bytes < bytes) {
            if (metaStaging != null) metaStaging.close();
            metaStaging = new PinnedHost(Math.max(bytes, 1L << 20));
        }
        return metaStaging;
    }

    private void upload(BatchMetadata meta, DeviceMemory dst) {
        long bytes = 4L * meta.length;
        PinnedHost staging = metaStaging(bytes);
        MemorySegmentInts.copy(meta.data, meta.length, staging.segment);
        Cu.check(JCudaDriver.cuMemcpyHtoDAsync(dst.ptr, staging.pointer, bytes, cx.stream), "batch metadata upload");
        Cu.check(JCudaDriver.cuEventRecord(metaUploaded, cx.stream), "cuEventRecord");
        metaPending = true;
    }

    @Override
    public boolean replay(BatchContext bc, Tensor logits) {
        CudaBatch b = (CudaBatch) bc;
        DecodeGraphs.Entry e = b.graph;
        if (e == null || profiler != null) return false;
        long out = ((CudaTensor) logits).address();
        if (e.ready(generation, out)) {
            graphs.launch(e);
            return true;
        }
        graphRows = e.rows;  // this forward runs over the whole bucket, eagerly or into a capture
        if (!e.warmed) {
            e.warmed = true;  // eager, at the bucket's size: sizes every workspace before anything is captured
            return false;
        }
        graphs.beginCapture(e);
        attention.capturing = true;
        return false;
    }

    @Override
    public void endForward(BatchContext bc, Tensor logits) {
        settleAll();
        if (graphs.isCapturing()) {
            attention.capturing = false;
            DecodeGraphs.Entry e = graphs.endCapture(generation, ((CudaTensor) logits).address());
            graphs.launch(e);  // capture recorded the work without running it
        }
        graphRows = 0;
    }

    private int rowsOf(CudaTensor t) { return graphRows > 0 ? graphRows : t.rows(); }

    // ---------------------------------------------------------------- ops

    @Override
    public void embedding(BatchContext b, Tensor table, Tensor out) {
        settleAll();
        CudaTensor o = (CudaTensor) out;
        begin();
        embedding.gather((CudaBatch) b, (CudaTensor) table, o, rowsOf(o));
        end("embedding");
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out) {
        CudaTensor xs = (CudaTensor) x;
        settleAll();
        int rows = rowsOf(xs);
        if (fuse && linear.mayGemv(rows) && Linear.normFits(rows, xs.cols()) && (xs.cols() & 7) == 0) {
            pending = new PendingNorm(xs, (CudaTensor) weight, eps, (CudaTensor) out, rows);
            return;
        }
        launchNorm(new PendingNorm(xs, (CudaTensor) weight, eps, (CudaTensor) out, rows));
    }

    private void launchNorm(PendingNorm n) {
        begin();
        norms.rmsNorm(n.x, n.weight, n.eps, n.out, n.rows);
        end("rms_norm");
    }

    @Override
    public void addRmsNorm(Tensor x, Tensor residual, Tensor weight, float eps, Tensor out) {
        CudaTensor xs = (CudaTensor) x, r = (CudaTensor) residual;
        int rows = rowsOf(xs);
        if (pending instanceof PendingGemv g && g.norm == null && g.bias == null && g.out.storage == xs.storage
                && g.rows == rows && g.w.rows() == r.cols()) {
            // residual += x·wᵀ in the GEMV's epilogue; x (the projection's output) is never written
            pending = null;
            Norms.requireF32(r, "residual");
            begin();
            linear.gemv(Linear.Form.RESIDUAL, g.w, g.x.address(), 0L, 0f, 0L, r.address(), rows);
            end("gemv+residual " + rows + "x" + g.w.rows() + "x" + g.w.cols());
            g.out.writes(CudaTensor.DType.F32);
            rmsNorm(r, weight, eps, out);  // itself folded into the next GEMV where it can be
            return;
        }
        if (projBf16 && pending instanceof PendingGemm g && g.out.storage == xs.storage && g.rows == rows && g.w.rows() == r.cols()) {
            // the projection written in bf16 (as a bf16 model rounds it), added into the fp32 residual
            pending = null;
            launchGemmBf16(g, xs);
        }
        settleAll();
        begin();
        norms.addRmsNorm(xs, r, (CudaTensor) weight, eps, (CudaTensor) out, rows);
        end(xs.dtype() == CudaTensor.DType.BF16 ? "add_rms_norm(bf16 x)" : "add_rms_norm");
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) {
        CudaTensor xs = (CudaTensor) x, ws = (CudaTensor) w, o = (CudaTensor) out, bs = (CudaTensor) bias;
        int m = rowsOf(xs);
        PendingNorm norm = null;
        if (pending instanceof PendingNorm n && n.out.storage == xs.storage && n.rows == m && linear.gemv(m, ws)
                && ws.cols() == n.x.cols()) {
            norm = n;  // the GEMV normalises its input itself
            pending = null;
        }
        settleAll();
        if (m == 0) {
            if (norm != null) launchNorm(norm);
            return;
        }
        if (fuse && linear.gemv(m, ws)) {
            if (norm == null && xs.dtype() != CudaTensor.DType.BF16) throw new IllegalStateException("GEMV input must be bf16, is " + xs);
            pending = new PendingGemv(xs, norm, ws, bs, o, m);  // a following addRmsNorm or siluMul may take it
            return;
        }
        if (fuse && bs == null && !linear.gemv(m, ws) && xs.dtype() == CudaTensor.DType.BF16 && ws.dtype() == CudaTensor.DType.BF16) {
            pending = new PendingGemm(xs, ws, o, m);  // a following siluMul may take it
            return;
        }
        begin();
        linear.forward(xs, ws, bs, o, m);
        if (profiler != null) end((linear.gemv(m, ws) ? "gemv " : "gemm ") + m + "x" + ws.rows() + "x" + ws.cols());
    }

    /** A deferred GEMV in its unfused (fp32 output) form. */
    private void launchGemv(PendingGemv g) {
        g.out.writes(CudaTensor.DType.F32);
        long bias = g.bias == null ? 0L : g.bias.address();
        begin();
        if (g.norm != null) {
            Norms.requireF32(g.norm.x, "rmsNorm input");
            linear.gemv(Linear.Form.NORM, g.w, g.norm.x.address(), g.norm.weight.address(), g.norm.eps, bias, g.out.address(), g.rows);
        } else {
            linear.gemv(Linear.Form.PLAIN, g.w, g.x.address(), 0L, 0f, bias, g.out.address(), g.rows);
        }
        end((g.norm != null ? "gemv norm+" : "gemv ") + g.rows + "x" + g.w.rows() + "x" + g.w.cols());
    }

    @Override
    public void qkNorm(Tensor qkv, int qHeads, int kvHeads, int headDim, Tensor qWeight, Tensor kWeight, float eps) {
        CudaTensor t = (CudaTensor) qkv;
        // a pending cuBLAS product into qkv stays pending: RoPE takes it in bf16 (settleAll launches it before the norm)
        if (!(qkvBf16 && pending instanceof PendingGemm g && g.out.storage == t.storage)) settleAll();
        pendingQk = new PendingQk(t.storage, (CudaTensor) qWeight, (CudaTensor) kWeight, eps, qHeads, kvHeads, headDim, rowsOf(t));
    }

    @Override
    public void ropeAndStore(BatchContext b, Tensor qkv, int qHeads, int kvHeads, int headDim, KvCacheStorage kv, int layer) {
        CudaTensor t = (CudaTensor) qkv;
        CudaTensor qn = null, kn = null;
        float eps = 0f;
        PendingQk p = pendingQk;
        if (p != null && p.qkv == t.storage && p.qHeads == qHeads && p.kvHeads == kvHeads && p.headDim == headDim) {
            qn = p.qNorm;
            kn = p.kNorm;
            eps = p.eps;
            pendingQk = null;
        }
        int rows = rowsOf(t);
        CudaTensor q = null;
        if (qkvBf16 && pendingQk == null && pending instanceof PendingGemm g && g.out.storage == t.storage && g.rows == rows) {
            pending = null;
            launchGemmBf16(g, t);
            q = rotatedQ(rows, qHeads * headDim);
        }
        settleAll();
        if (q == null && attention.takesRope((CudaBatch) b, t, qHeads, kvHeads, headDim, (CudaKvCache) kv, rows)) {
            pendingRope = new PendingRope((CudaBatch) b, t.storage, qHeads, kvHeads, headDim, (CudaKvCache) kv, layer, qn, kn, eps, rows);
            rotatedFrom = null;
            return;
        }
        begin();
        rotary.ropeAndStore((CudaBatch) b, t, qHeads, kvHeads, headDim, (CudaKvCache) kv, layer, invFreq.address, qn, kn, eps, rows, q);
        end((qn != null ? "qk_norm+rope+kv_store" : "rope+kv_store") + (q != null ? "(bf16 qkv)" : ""));
        rotatedFrom = q != null ? t.storage : null;
    }

    /** A view of at least {@code rows} rows of the rotated-q buffer, {@code cols} wide (fp32). */
    private CudaTensor rotatedQ(int rows, int cols) {
        long bytes = 4L * rows * cols;
        if (rotatedQ == null || rotatedQ.bytes < bytes) {
            if (rotatedQ != null) {
                cx.synchronize();
                cx.heap.free(rotatedQ);
            }
            rotatedQ = cx.heap.allocate(Math.max(bytes, rotatedQ == null ? 0 : 2 * rotatedQ.bytes));
            rotatedQView = null;
            generation++;  // a captured graph may point at the old one
        }
        if (rotatedQView == null || rotatedQView.cols() != cols || rotatedQView.rows() < rows) {
            int capacity = (int) (rotatedQ.bytes / (4L * cols));
            rotatedQView = new CudaTensor(new CudaTensor.Storage(rotatedQ, capacity, cols, CudaTensor.DType.F32, false), capacity);
        }
        return new CudaTensor(rotatedQView.storage, rows);
    }

    @Override
    public void attention(BatchContext b, Tensor qkv, int qHeads, int kvHeads, int headDim, KvCacheStorage kv, int layer, Tensor out) {
        CudaTensor t = (CudaTensor) qkv;
        CudaBatch cb = (CudaBatch) b;
        PendingRope r = pendingRope;
        if (r != null && r.qkv == t.storage && r.b == cb && r.layer == layer && r.qHeads == qHeads && r.kvHeads == kvHeads
                && r.headDim == headDim && r.kv == kv && r.rows == rowsOf(t)) {
            pendingRope = null;
            settleAll();
            begin();
            attention.ropeAttention(cb, t, qHeads, kvHeads, headDim, r.kv, layer, invFreq.address, r.qNorm, r.kNorm, r.eps,
                    (CudaTensor) out, r.rows);
            end("rope+kv_store+attention (decode)");
            return;
        }
        settleAll();
        if (rotatedFrom == t.storage && t.dtype() == CudaTensor.DType.BF16)
            t = new CudaTensor(rotatedQView.storage, rowsOf(t));  // RoPE left q in fp32 there
        begin();
        attention.attention(cb, t, qHeads, kvHeads, headDim, (CudaKvCache) kv, layer, (CudaTensor) out, rowsOf(t), graphRows > 0);
        end(cb.decode ? "attention (paged, decode)" : "attention (prefill)");
    }

    @Override
    public boolean decoderLayers(BatchContext bc, DecoderStack stack, Tensor residual, KvCacheStorage kv) {
        CudaBatch b = (CudaBatch) bc;
        CudaTensor r = (CudaTensor) residual;
        CudaKvCache cache = (CudaKvCache) kv;
        // One token only (a graph bucket of one row), with nothing of the batch padded; the profiler times ops.
        if (!b.decode || b.batch.numTokens() != 1 || rowsOf(r) != 1 || profiler != null) return false;
        // Buffers are built on first use, which a graph capture cannot do: that step's graph then runs op by op.
        if (fusedDecode.supports(stack, cache)) {
            if (graphs.isCapturing() && !fusedDecode.builtFor(stack, cache)) return false;
            settleAll();
            Norms.requireF32(r, "residual");
            fusedDecode.run(b, stack, r, cache, invFreq.address);
            return true;
        }
        if (headCluster.supports(b, stack, cache)) {
            if (graphs.isCapturing() && !headCluster.builtFor(stack)) return false;
            settleAll();
            Norms.requireF32(r, "residual");
            headCluster.run(b, stack, r, cache, invFreq.address);
            return true;
        }
        return false;
    }

    @Override
    public void siluMul(Tensor gateUp, Tensor out) {
        CudaTensor g = (CudaTensor) gateUp, o = (CudaTensor) out;
        int rows = rowsOf(g);
        if (pending instanceof PendingGemv p && p.norm != null && p.bias == null && p.out.storage == g.storage
                && p.rows == rows && (p.w.rows() & 1) == 0 && o.cols() == p.w.rows() / 2) {
            // the gate/up GEMV writes silu(gate)·up in its epilogue; gateUp itself is never written
            pending = null;
            Norms.requireF32(p.norm.x, "rmsNorm input");
            o.writes(CudaTensor.DType.BF16);
            begin();
            linear.gemv(Linear.Form.NORM_GATE_UP_SILU, p.w, p.norm.x.address(), p.norm.weight.address(), p.norm.eps, 0L, o.address(), rows);
            end("gemv norm+gateup+silu " + rows + "x" + p.w.rows() + "x" + p.w.cols());
            return;
        }
        if (gateUpBf16 && pending instanceof PendingGemm p && p.out.storage == g.storage && p.rows == rows
                && p.w.rows() == 2 * o.cols()) {
            pending = null;
            launchGemmBf16(p, g);
            begin();
            activation.siluMul(g, o, rows);
            end("silu_mul(bf16)");
            return;
        }
        settleAll();
        begin();
        activation.siluMul(g, o, rows);
        end("silu_mul");
    }

    /** A deferred cuBLAS product written in bf16 into out (the storage of g.out). */
    private void launchGemmBf16(PendingGemm g, CudaTensor out) {
        out.writes(CudaTensor.DType.BF16);
        begin();
        cx.cublas.linear(g.x.address(), Cublas.R_16BF, g.w.address(), Cublas.R_16BF, out.address(), Cublas.R_16BF, g.rows,
                g.w.rows(), g.w.cols(), false);
        end("gemm(bf16 out) " + g.rows + "x" + g.w.rows() + "x" + g.w.cols());
    }

    @Override
    public void gatherRows(BatchContext b, Tensor x, Tensor out) {
        CudaTensor xs = (CudaTensor) x, o = (CudaTensor) out;
        settleAll();
        CudaBatch cb = (CudaBatch) b;
        int rows = graphRows > 0 ? graphRows : cb.batch.logitRows().length;
        o.writes(xs.dtype());
        if (rows == 0) return;  // a step whose chunks all stop short of sampling
        String fn = xs.dtype() == CudaTensor.DType.BF16 ? "gather_rows_u16" : "gather_rows_f32";
        begin();
        cx.launch(fn, rows, 1, 1, 256, 0, xs.address(), xs.cols(), cb.logitRows(), o.address());
        end("gather_rows");
    }

    /** Launches, unfused and in order, whatever the last op still owes. */
    void settleAll() {
        PendingQk q = pendingQk;
        pendingQk = null;
        Object p = pending;
        pending = null;
        if (p instanceof PendingNorm n) launchNorm(n);
        else if (p instanceof PendingGemv g) launchGemv(g);
        else if (p instanceof PendingGemm g) {
            begin();
            linear.forward(g.x, g.w, null, g.out, g.rows);
            end("gemm " + g.rows + "x" + g.w.rows() + "x" + g.w.cols());
        }
        if (q != null)  // after the product that may write its input (a qkv GEMM qkNorm left pending)
            rotary.qkNorm(new CudaTensor(q.qkv, 0), q.qHeads, q.kvHeads, q.headDim, q.qNorm, q.kNorm, q.eps, q.rows);
        PendingRope r = pendingRope;
        pendingRope = null;
        if (r != null) {
            begin();
            rotary.ropeAndStore(r.b, new CudaTensor(r.qkv, r.rows), r.qHeads, r.kvHeads, r.headDim, r.kv, r.layer,
                    invFreq.address, r.qNorm, r.kNorm, r.eps, r.rows, null);
            end((r.qNorm != null ? "qk_norm+rope+kv_store" : "rope+kv_store"));
        }
    }

    private void settle(CudaTensor t) { settleAll(); }

    // ---------------------------------------------------------------- collectives (tensor parallelism, Nccl*)

    /** Queues one collective on a device buffer: its address, element count and type, and the stream to run on. */
    interface Collective {
        void enqueue(long address, long count, CudaTensor.DType dtype, long stream);
    }

    /**
     * Queues {@code c} on {@code x} in place on this backend's stream, so a decode graph being captured records it:
     * settles what a fused op still owes on x first, and covers a graph bucket's rows while one is warmed or captured.
     */
    void collective(Tensor x, String op, Collective c) {
        cx.bind();
        CudaTensor t = (CudaTensor) x;
        settle(t);
        long count = (long) rowsOf(t) * t.cols();
        if (count == 0) return;
        begin();
        c.enqueue(t.address(), count, t.dtype(), cx.streamAddress);
        end(op);
    }

    /** Device, stream and heap of this backend, for the NCCL classes of this package. */
    CudaContext context() { return cx; }

    /** Destroys the captured decode graphs now (they hold NCCL resources that a communicator's destroy waits for). */
    void releaseGraphs() {
        cx.bind();
        try {
            cx.synchronize();
        } catch (RuntimeException ignored) {
            // an aborted collective's error: the graphs go anyway
        }
        graphs.close();
        generation++;
    }

    // ---------------------------------------------------------------- results

    @Override
    public float[] toHost(Tensor t) {
        cx.bind();
        CudaTensor c = (CudaTensor) t;
        settle(c);
        int n = c.rows() * c.cols();
        if (n == 0) return new float[0];
        long bytes = c.bytes(c.rows());
        PinnedHost staging = metaStaging(bytes);
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(staging.pointer, c.storage.memory.ptr, bytes, cx.stream), "download");
        cx.synchronize();
        float[] out = new float[n];
        if (c.dtype() == CudaTensor.DType.F32) {
            MemorySegmentInts.copyFloats(staging.segment, out);
        } else {
            for (int i = 0; i < n; i++)
                out[i] = Float.intBitsToFloat((staging.segment.getAtIndex(ValueLayout.JAVA_SHORT, i) & 0xffff) << 16);
        }
        return out;
    }

    @Override
    public int[] sample(Tensor logits, SamplingParams[] params, long[] randomBits, LogitEdits[] edits, TokenLogprobs[] logprobs) {
        cx.bind();
        CudaTensor l = (CudaTensor) logits;
        settle(l);
        if (l.rows() == 0) return new int[0];
        return sampler.sample(l, l.rows(), params, randomBits, edits, logprobs);
    }

    @Override
    public void synchronize() {
        cx.bind();
        cx.synchronize();
    }

    // ---------------------------------------------------------------- measurements for benchmarks

    /** Device-to-device copy bandwidth in bytes/s, counting bytes read plus bytes written. */
    public double measureCopyBandwidth(long bytes, int iterations) {
        cx.bind();
        DeviceMemory a = cx.heap.allocate(bytes), b = cx.heap.allocate(bytes);
        try {
            return 2.0 * bytes / timeSeconds(iterations, () ->
                    Cu.check(JCudaDriver.cuMemcpyDtoDAsync(b.ptr, a.ptr, bytes, cx.stream), "cuMemcpyDtoDAsync"));
        } finally {
            cx.heap.free(a);
            cx.heap.free(b);
        }
    }

    /**
     * Host-to-device copy bandwidth in bytes/s from page-locked memory (the PCIe floor of copying offloaded KV back);
     * {@code bytes} at most 1 GiB.
     */
    public double measureHostToDeviceBandwidth(long bytes, int iterations) {
        return measureHostCopyBandwidth(bytes, iterations, true);
    }

    /** Device-to-host copy bandwidth in bytes/s into page-locked memory (the floor of saving KV to the tier). */
    public double measureDeviceToHostBandwidth(long bytes, int iterations) {
        return measureHostCopyBandwidth(bytes, iterations, false);
    }

    private double measureHostCopyBandwidth(long bytes, int iterations, boolean toDevice) {
        cx.bind();
        DeviceMemory d = cx.heap.allocate(bytes);
        try (PinnedHost h = new PinnedHost(bytes)) {
            return bytes / timeSeconds(iterations, () -> Cu.check(toDevice
                    ? JCudaDriver.cuMemcpyHtoDAsync(d.ptr, h.pointer, bytes, cx.stream)
                    : JCudaDriver.cuMemcpyDtoHAsync(h.pointer, d.ptr, bytes, cx.stream), "host copy"));
        } finally {
            cx.heap.free(d);
        }
    }

    /** bf16 GEMM rate in FLOP/s for [m,k]·[n,k]ᵀ on random data, fp32 accumulation, output bf16 or fp32. */
    public double measureGemm(int m, int n, int k, boolean fp32Out, int iterations) {
        cx.bind();
        DeviceMemory a = cx.heap.allocate(2L * m * k), w = cx.heap.allocate(2L * n * k), c = cx.heap.allocate((fp32Out ? 4L : 2L) * m * n);
        try {
            for (DeviceMemory d : new DeviceMemory[]{a, w}) {
                long elems = d.bytes / 2;
                cx.launch("fill_uniform_bf16", cx.smCount * 32, 1, 1, 256, 0, d.address, elems, 1, 0L, 0, 1L, d.bytes, 1f);
            }
            int outType = fp32Out ? Cublas.R_32F : Cublas.R_16BF;
            return 2.0 * m * n * k / timeSeconds(iterations, () ->
                    cx.cublas.linear(a.address, Cublas.R_16BF, w.address, Cublas.R_16BF, c.address, outType, m, n, k, false));
        } finally {
            cx.heap.free(a);
            cx.heap.free(w);
            cx.heap.free(c);
        }
    }

    /**
     * The launch floor of a kernel chain: seconds per kernel of a CUDA graph of {@code n} empty kernels, each
     * dependent on the one before, launched as the engine launches its kernels (programmatic dependent launch when
     * {@link #pdl()}), with {@code blocks} blocks of 128 threads each.
     */
    public double measureLaunchFloor(int n, int blocks, int iterations) {
        cx.bind();
        jcuda.driver.CUgraph g = new jcuda.driver.CUgraph();
        jcuda.driver.CUgraphExec exec = new jcuda.driver.CUgraphExec();
        boolean captured = false, instantiated = false;
        try {
            Cu.check(JCudaDriver.cuStreamBeginCapture(cx.stream, jcuda.driver.CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
            try {
                for (int i = 0; i < n; i++) cx.launch("launch_floor_empty", blocks, 1, 1, 128, 0, i);
            } finally {
                Cu.check(JCudaDriver.cuStreamEndCapture(cx.stream, g), "cuStreamEndCapture");
                captured = true;
            }
            Cu.check(JCudaDriver.cuGraphInstantiate(exec, g, 0), "cuGraphInstantiate");
            instantiated = true;
            return timeSeconds(iterations, () -> Cu.check(JCudaDriver.cuGraphLaunch(exec, cx.stream), "cuGraphLaunch")) / n;
        } finally {
            if (instantiated) JCudaDriver.cuGraphExecDestroy(exec);
            if (captured) JCudaDriver.cuGraphDestroy(g);
        }
    }

    /** Median seconds of one run of {@code work}, timed with events after warm-up. */
    public double timeSeconds(int iterations, Runnable work) {
        cx.bind();
        CUevent start = new CUevent(), stop = new CUevent();
        Cu.check(JCudaDriver.cuEventCreate(start, 0), "cuEventCreate");
        Cu.check(JCudaDriver.cuEventCreate(stop, 0), "cuEventCreate");
        try {
            for (int i = 0; i < 3; i++) work.run();
            double[] t = new double[iterations];
            for (int i = 0; i < iterations; i++) {
                Cu.check(JCudaDriver.cuEventRecord(start, cx.stream), "cuEventRecord");
                work.run();
                Cu.check(JCudaDriver.cuEventRecord(stop, cx.stream), "cuEventRecord");
                Cu.check(JCudaDriver.cuEventSynchronize(stop), "cuEventSynchronize");
                float[] ms = {0};
                Cu.check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
                t[i] = ms[0] / 1e3;
            }
            Arrays.sort(t);
            return t[iterations / 2];
        } finally {
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(stop);
        }
    }

    @Override
    public void close() {
        cx.bind();
        try {
            cx.synchronize();
        } catch (RuntimeException ignored) {
            // a failed kernel must not keep memory alive
        }
        if (profiler != null) profiler.close();
        graphs.close();
        fusedDecode.close();
        headCluster.close();
        kvCopies.close();
        sampler.close();
        weights.close();
        if (metaStaging != null) metaStaging.close();
        JCudaDriver.cuEventDestroy(metaUploaded);
        cx.close();
    }
}
