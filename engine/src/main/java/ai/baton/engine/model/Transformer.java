package ai.baton.engine.model;

import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.Backend.WeightSlice;
import ai.baton.engine.backend.BatchContext;
import ai.baton.engine.backend.Communicator;
import ai.baton.engine.backend.DecoderStack;
import ai.baton.engine.backend.DecoderStack.Layer;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.Tensor;
import ai.baton.engine.weights.TensorData;
import ai.baton.engine.weights.WeightSource;

import java.util.List;

/**
 * The decoder-only transformer of Llama, Qwen2 and Qwen3, written once against {@link Backend} ops. One instance
 * is one tensor-parallel rank: it holds its shard of the weights and all-reduces after the row-parallel projections.
 */
public final class Transformer implements AutoCloseable {
    private final ModelConfig config;
    private final Shard shard;
    private final Backend be;
    private final Communicator comm;
    private final float[] invFreq;
    private final float eps;
    private final int hd, qHeads, kvHeads, qkvCols;

    private final Tensor embed, lmHead, finalNorm;
    private final DecoderStack stack;

    // Activation buffers sized for `capacity` tokens, reused across steps (stable addresses for graph capture).
    private int capacity, logitCapacity;
    private Tensor residual, normed, qkvBuf, attnBuf, projBuf, gateUpBuf, actBuf, selected, logits;

    public Transformer(ModelConfig config, WeightSource weights, Backend backend, Shard shard, Communicator comm) {
        this.config = config;
        this.shard = shard;
        this.be = backend;
        this.comm = comm;
        this.eps = (float) config.rmsNormEps();
        this.hd = config.headDim();
        this.qHeads = shard.qHeads();
        this.kvHeads = shard.kvHeads();
        this.qkvCols = (qHeads + 2 * kvHeads) * hd;
        double[] inv = config.rope().inverseFrequencies(hd);
        this.invFreq = new float[inv.length];
        // HF keeps inv_freq as a floating buffer, so loading a bf16 checkpoint rounds it to bf16 before the math is
        // upcast; matching the reference means rounding the same way.
        boolean bf16Buffers = "bfloat16".equals(config.torchDtype());
        for (int i = 0; i < inv.length; i++) invFreq[i] = bf16Buffers ? roundToBf16((float) inv[i]) : (float) inv[i];

        int h = config.hiddenSize(), v = config.vocabSize();
        TensorData embedT = weights.require("model.embed_tokens.weight", v, h);
        embed = be.loadWeight(List.of(WeightSlice.whole(embedT)));
        lmHead = config.tieWordEmbeddings() ? embed
                : be.loadWeight(List.of(WeightSlice.whole(weights.require("lm_head.weight", v, h))));
        finalNorm = vector(weights, "model.norm.weight", h);
        Layer[] layers = new Layer[config.numLayers()];
        for (int l = 0; l < layers.length; l++) layers[l] = loadLayer(weights, l);
        stack = new DecoderStack(List.of(layers), h, qHeads, kvHeads, hd, shard.ffSize(), eps);
    }

    private Layer loadLayer(WeightSource w, int l) {
        String p = "model.layers." + l + ".";
        int h = config.hiddenSize(), q = config.qSize(), kv = config.kvSize(), ff = config.intermediateSize();
        int qFrom = shard.qHeadStart() * hd, qTo = qFrom + qHeads * hd;
        int kvFrom = shard.kvHeadStart() * hd, kvTo = kvFrom + kvHeads * hd;
        Tensor qkv = be.loadWeight(List.of(
                WeightSlice.rows(w.require(p + "self_attn.q_proj.weight", q, h), qFrom, qTo),
                WeightSlice.rows(w.require(p + "self_attn.k_proj.weight", kv, h), kvFrom, kvTo),
                WeightSlice.rows(w.require(p + "self_attn.v_proj.weight", kv, h), kvFrom, kvTo)));
        Tensor qkvBias = null;
        if (config.attentionBias()) {
            TensorData fused = TensorData.concat(p + "self_attn.qkv_proj.bias",
                    w.require(p + "self_attn.q_proj.bias", q).slice(qFrom, qTo),
                    w.require(p + "self_attn.k_proj.bias", kv).slice(kvFrom, kvTo),
                    w.require(p + "self_attn.v_proj.bias", kv).slice(kvFrom, kvTo));
            qkvBias = be.loadWeight(List.of(WeightSlice.whole(asRow(fused))));
        }
        Tensor qNorm = null, kNorm = null;
        if (config.architecture().qkNorm) {
            qNorm = vector(w, p + "self_attn.q_norm.weight", hd);
            kNorm = vector(w, p + "self_attn.k_norm.weight", hd);
        }
        Tensor o = be.loadWeight(List.of(WeightSlice.cols(w.require(p + "self_attn.o_proj.weight", h, q), qFrom, qTo)));
        int fFrom = shard.ffStart(), fTo = fFrom + shard.ffSize();
        Tensor gateUp = be.loadWeight(List.of(
                WeightSlice.rows(w.require(p + "mlp.gate_proj.weight", ff, h), fFrom, fTo),
                WeightSlice.rows(w.require(p + "mlp.up_proj.weight", ff, h), fFrom, fTo)));
        Tensor down = be.loadWeight(List.of(WeightSlice.cols(w.require(p + "mlp.down_proj.weight", h, ff), fFrom, fTo)));
        return new Layer(vector(w, p + "input_layernorm.weight", h), qkv, qkvBias, qNorm, kNorm, o,
                vector(w, p + "post_attention_layernorm.weight", h), gateUp, down);
    }

    /** A 1-D tensor [n] as a [1, n] weight. */
    private Tensor vector(WeightSource w, String name, int n) {
        TensorData t = w.require(name, n);
        return be.loadWeight(List.of(new WeightSlice(asRow(t), 0, 1, 0, n)));
    }

    private static TensorData asRow(TensorData t) {
        return new TensorData(t.name(), t.dtype(), new long[]{1, t.elementCount()}, t.data());
    }

    /**
     * Runs the new tokens of a batch through the model, writing their K/V into {@code kv}, and returns the logits of
     * the batch's logit rows: [logitRows, vocab]. Reads top to bottom as one pass over the layers.
     */
    public Tensor forward(ForwardBatch batch, KvCacheStorage kv) {
        return forward(batch, kv, null);
    }

    /** As {@link #forward(ForwardBatch, KvCacheStorage)}, calling {@code afterLayer} once each layer's K/V is written. */
    public Tensor forward(ForwardBatch batch, KvCacheStorage kv, java.util.function.IntConsumer afterLayer) {
        int t = batch.numTokens(), r = batch.logitRows().length;
        ensureCapacity(t, r);
        BatchContext b = be.prepare(batch, invFreq);
        Tensor out = be.view(logits, r);
        if (afterLayer == null && be.replay(b, out)) return out;   // a captured graph ran the whole pass
        Tensor x = be.view(residual, t), h = be.view(normed, t), qkv = be.view(qkvBuf, t), attn = be.view(attnBuf, t);
        Tensor proj = be.view(projBuf, t), gu = be.view(gateUpBuf, t), act = be.view(actBuf, t);

        be.embedding(b, embed, x);
        if (afterLayer == null && comm.worldSize() == 1 && be.decoderLayers(b, stack, x, kv)) {
            be.rmsNorm(x, finalNorm, eps, h);   // the backend ran every layer at once
            return lmHead(b, h, r, out);
        }
        List<Layer> layers = stack.layers();
        be.rmsNorm(x, layers.getFirst().inputNorm(), eps, h);
        for (int l = 0; l < layers.size(); l++) {
            Layer L = layers.get(l);
            if (l > 0) be.addRmsNorm(proj, x, L.inputNorm(), eps, h);   // x += mlp(x); h = norm(x)
            be.linear(h, L.qkv(), L.qkvBias(), qkv);
            if (L.qNorm() != null) be.qkNorm(qkv, qHeads, kvHeads, hd, L.qNorm(), L.kNorm(), eps);
            be.ropeAndStore(b, qkv, qHeads, kvHeads, hd, kv, l);
            be.attention(b, qkv, qHeads, kvHeads, hd, kv, l, attn);
            if (afterLayer != null) afterLayer.accept(l);
            be.linear(attn, L.o(), null, proj);
            comm.allReduce(proj);
            be.addRmsNorm(proj, x, L.postNorm(), eps, h);                // x += attn(x); h = norm(x)
            be.linear(h, L.gateUp(), null, gu);
            be.siluMul(gu, act);
            be.linear(act, L.down(), null, proj);
            comm.allReduce(proj);
        }
        be.addRmsNorm(proj, x, finalNorm, eps, h);
        return lmHead(b, h, r, out);
    }

    /** The logits of the batch's logit rows of the final-normed {@code h}. */
    private Tensor lmHead(BatchContext b, Tensor h, int logitRows, Tensor out) {
        Tensor sel = be.view(selected, logitRows);
        be.gatherRows(b, h, sel);
        be.linear(sel, lmHead, null, out);
        be.endForward(b, out);
        return out;
    }

    /** Round-to-nearest-even to bfloat16, returned as the fp32 value it represents. */
    static float roundToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }

    private void ensureCapacity(int tokens, int logitRows) {
        if (tokens > capacity) {
            capacity = Math.max(tokens, Math.max(16, capacity * 2));
            int h = config.hiddenSize();
            residual = be.allocate(capacity, h);
            normed = be.allocate(capacity, h);
            qkvBuf = be.allocate(capacity, qkvCols);
            attnBuf = be.allocate(capacity, qHeads * hd);
            projBuf = be.allocate(capacity, h);
            gateUpBuf = be.allocate(capacity, 2 * shard.ffSize());
            actBuf = be.allocate(capacity, shard.ffSize());
        }
        if (logitRows > logitCapacity || logits == null) {
            logitCapacity = Math.max(logitRows, Math.max(8, logitCapacity * 2));
            selected = be.allocate(logitCapacity, config.hiddenSize());
            logits = be.allocate(logitCapacity, config.vocabSize());
        }
    }

    public ModelConfig config() { return config; }

    public Shard shard() { return shard; }

    public Backend backend() { return be; }

    @Override
    public void close() {}
}
