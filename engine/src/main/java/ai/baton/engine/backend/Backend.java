package ai.baton.engine.backend;

import ai.baton.engine.kv.KvCopy;
import ai.baton.engine.sampling.Sampler;
import ai.baton.engine.sampling.LogitEdits;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.engine.weights.TensorData;

import java.util.List;

/**
 * The seam between the model and the hardware: one implementation per device kind (cpu, cuda). The model code
 * ({@link ai.baton.engine.model.Transformer}) is written once against these ops; each op is asynchronous with respect
 * to the host on devices with streams, so a sequence of ops can be captured into a graph.
 *
 * <p>Shapes: activations are [tokens, features]; linear weights are [out, in] like PyTorch's nn.Linear. The fused
 * {@code qkv} activation is [tokens, qSize + 2 * kvSize] with q, then k, then v; {@code gateUp} is [tokens, 2 * ff]
 * with gate then up.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** Uploads the concatenation (along rows) of {@code parts}, each restricted to rows [from, to) and cols [cfrom, cto). */
    Tensor loadWeight(List<WeightSlice> parts);

    /** An activation buffer of [rows, cols]; its contents are undefined. */
    Tensor allocate(int rows, int cols);

    /** A view of the first {@code rows} rows of {@code t}. */
    Tensor view(Tensor t, int rows);

    KvCacheStorage allocateKvCache(KvLayout layout);

    /** Host memory for this rank's share of the KV offload tier (pinned and mapped where the cache is on a device). */
    default HostKvMemory allocateHostKv(long bytes) { return HostKvMemory.offHeap(bytes); }

    /**
     * Copies whole KV blocks between {@code kv} and the tier memory, in list order and before any op queued after
     * this call (on devices: queued on the same stream, so it may still be running when this returns).
     */
    default void copyKvBlocks(KvCacheStorage kv, HostKvMemory host, List<KvCopy> copies) {
        if (kv.onDevice() || !(host instanceof HostKvMemory.OffHeap h))
            throw new IllegalStateException(name() + " backend cannot copy KV blocks between " + kv + " and " + host);
        HostKvMemory.copyOnHost(kv, h.segment(), KvCopy.savesFirst(copies));  // the order a device uses, checked here too
    }

    /**
     * Makes the batch's metadata (positions, slots, block tables) available to the ops, with the rotary angles of
     * each position from the model's inverse frequencies (one per rotary pair).
     */
    BatchContext prepare(ForwardBatch batch, float[] inverseFrequencies);

    // ---- ops ----

    void embedding(BatchContext b, Tensor table, Tensor out);

    void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out);

    /** {@code residual += x; out = rmsNorm(residual)}. */
    void addRmsNorm(Tensor x, Tensor residual, Tensor weight, float eps, Tensor out);

    /** {@code out = x · wᵀ (+ bias)}; bias may be null. */
    void linear(Tensor x, Tensor w, Tensor bias, Tensor out);

    /** RMSNorm over each head of q and of k inside {@code qkv}, in place (Qwen3's q_norm / k_norm). */
    void qkNorm(Tensor qkv, int qHeads, int kvHeads, int headDim, Tensor qWeight, Tensor kWeight, float eps);

    /**
     * Rotary embedding on q and k of {@code qkv}, then k and v written to the layer's cache slots. Afterwards qkv holds
     * whatever this backend's {@link #attention} reads (the CPU backend: q and k rotated in place; CUDA: the rotated q
     * only, possibly kept beside qkv): only the cache and attention's output are defined.
     */
    void ropeAndStore(BatchContext b, Tensor qkv, int qHeads, int kvHeads, int headDim, KvCacheStorage kv, int layer);

    /** Causal attention of each new token over its sequence's cached keys/values; out is [tokens, qHeads * headDim]. */
    void attention(BatchContext b, Tensor qkv, int qHeads, int kvHeads, int headDim, KvCacheStorage kv, int layer, Tensor out);

    /** {@code out = silu(gate) * up} where gateUp = [gate | up]. */
    void siluMul(Tensor gateUp, Tensor out);

    /**
     * Runs every layer of {@code stack} over a decode batch at once where this backend can (the CUDA backend: one
     * persistent kernel for a single-rank, one-token step): on entry {@code residual} holds the embeddings, on return
     * the residual stream after the last layer, and every layer's K/V is in the cache. Returns false, having queued
     * nothing, where it cannot; the model then runs the layers op by op.
     */
    default boolean decoderLayers(BatchContext b, DecoderStack stack, Tensor residual, KvCacheStorage kv) { return false; }

    /** Copies the batch's logit rows of {@code x} into {@code out} (rows = logitRows.length). */
    void gatherRows(BatchContext b, Tensor x, Tensor out);

    /** Copies a tensor to host memory as fp32. */
    float[] toHost(Tensor t);

    /** Waits for queued work. */
    default void synchronize() {}

    /**
     * Called by the model right after {@link #prepare}: a backend that has captured this batch's whole forward pass
     * (a CUDA graph of a decode step) runs it, leaving the logits in {@code logits}, and returns true; the model then
     * skips its ops. Otherwise the model runs its ops and calls {@link #endForward}.
     */
    default boolean replay(BatchContext b, Tensor logits) { return false; }

    /** The model has queued every op of this forward pass; {@code logits} holds (or will hold) its result. */
    default void endForward(BatchContext b, Tensor logits) {}

    /**
     * One token per row of {@code logits}; {@code randomBits} (64 per row) drive non-greedy draws, so a seeded request
     * draws the same token in any batch. {@code edits} (null, or null for a row drawn as it is) change rows first, in
     * place (penalties, bias, masks: {@link LogitEdits#applyTo}). Devices sample in place, so only token ids reach the
     * host. When {@code logprobs} is given, each row whose params ask for logprobs gets the drawn token's, from its raw
     * logits (as {@link Sampler#logprobs}), edited or not.
     */
    default int[] sample(Tensor logits, SamplingParams[] params, long[] randomBits, LogitEdits[] edits, TokenLogprobs[] logprobs) {
        float[] l = toHost(logits);
        int vocab = logits.cols();
        int[] out = new int[logits.rows()];
        float[][] raw = new float[out.length][];
        if (edits != null)
            for (int i = 0; i < out.length; i++) {
                if (edits[i] == null) continue;
                if (logprobs != null && params[i] != null && params[i].logprobs() >= 0)
                    raw[i] = java.util.Arrays.copyOfRange(l, i * vocab, (i + 1) * vocab);
                edits[i].applyTo(l, i * vocab, vocab);
            }
        for (int i = 0; i < out.length; i++) {
            out[i] = params[i] == null || params[i].isGreedy() ? Sampler.argmax(l, i * vocab, vocab)
                    : Sampler.sample(l, i * vocab, vocab, params[i], drawOf(randomBits[i]));
            if (logprobs != null && params[i] != null && params[i].logprobs() >= 0)
                logprobs[i] = raw[i] != null ? Sampler.logprobs(raw[i], 0, vocab, out[i], params[i].logprobs())
                        : Sampler.logprobs(l, i * vocab, vocab, out[i], params[i].logprobs());
        }
        return out;
    }

    /** A generator whose one draw is {@code bits}: the uniform number a host draw makes of them (bits >>> 11, scaled). */
    private static java.util.random.RandomGenerator drawOf(long bits) { return () -> bits; }

    @Override
    void close();

    /** A rectangular piece of a stored tensor, for fused and tensor-parallel weights. */
    record WeightSlice(TensorData tensor, int rowFrom, int rowTo, int colFrom, int colTo) {
        public static WeightSlice whole(TensorData t) { return new WeightSlice(t, 0, t.rows(), 0, t.cols()); }

        public static WeightSlice rows(TensorData t, int from, int to) { return new WeightSlice(t, from, to, 0, t.cols()); }

        public static WeightSlice cols(TensorData t, int from, int to) { return new WeightSlice(t, 0, t.rows(), from, to); }

        public int rowCount() { return rowTo - rowFrom; }

        public int colCount() { return colTo - colFrom; }
    }
}
