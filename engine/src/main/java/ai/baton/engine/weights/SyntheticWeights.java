package ai.baton.engine.weights;

import ai.baton.engine.EngineException;
import ai.baton.engine.model.ModelConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Random weights of the right names and shapes for any config, for benchmarks at real shapes without a weights file.
 * Values are deterministic in the seed; linear weights are scaled like a trained model's (std ~ 1/sqrt(fan_in)) so
 * activations stay finite, and norms are 1.
 */
public final class SyntheticWeights implements WeightSource {
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorData> tensors = new LinkedHashMap<>();
    private final DType dtype;

    public SyntheticWeights(ModelConfig c, DType dtype, long seed) {
        this.dtype = dtype;
        int h = c.hiddenSize(), q = c.qSize(), kv = c.kvSize(), ff = c.intermediateSize();
        long s = seed;
        add("model.embed_tokens.weight", s++, 1.0f, c.vocabSize(), h);
        if (!c.tieWordEmbeddings()) add("lm_head.weight", s++, (float) (1 / Math.sqrt(h)), c.vocabSize(), h);
        ones("model.norm.weight", h);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            ones(p + "input_layernorm.weight", h);
            ones(p + "post_attention_layernorm.weight", h);
            add(p + "self_attn.q_proj.weight", s++, (float) (1 / Math.sqrt(h)), q, h);
            add(p + "self_attn.k_proj.weight", s++, (float) (1 / Math.sqrt(h)), kv, h);
            add(p + "self_attn.v_proj.weight", s++, (float) (1 / Math.sqrt(h)), kv, h);
            add(p + "self_attn.o_proj.weight", s++, (float) (1 / Math.sqrt(q)), h, q);
            if (c.attentionBias()) {
                add(p + "self_attn.q_proj.bias", s++, 0.02f, q);
                add(p + "self_attn.k_proj.bias", s++, 0.02f, kv);
                add(p + "self_attn.v_proj.bias", s++, 0.02f, kv);
            }
            if (c.architecture().qkNorm) {
                ones(p + "self_attn.q_norm.weight", c.headDim());
                ones(p + "self_attn.k_norm.weight", c.headDim());
            }
            add(p + "mlp.gate_proj.weight", s++, (float) (1 / Math.sqrt(h)), ff, h);
            add(p + "mlp.up_proj.weight", s++, (float) (1 / Math.sqrt(h)), ff, h);
            add(p + "mlp.down_proj.weight", s++, (float) (1 / Math.sqrt(ff)), h, ff);
        }
    }

    private void ones(String name, long n) {
        MemorySegment seg = arena.allocate(n * dtype.bytes, 64);
        for (long i = 0; i < n; i++) put(seg, i, 1f);
        tensors.put(name, new TensorData(name, dtype, new long[]{n}, seg));
    }

    private void add(String name, long seed, float scale, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        MemorySegment seg = arena.allocate(n * dtype.bytes, 64);
        long rows = shape[0], cols = n / rows;
        // Fill rows in parallel, each from its own stream split off the seed, so the result is thread-count independent.
        IntStream.range(0, (int) rows).parallel().forEach(r -> {
            SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + r);
            long base = r * cols;
            for (long i = 0; i < cols; i++) put(seg, base + i, (float) ((rnd.nextDouble() * 2 - 1) * scale * 1.7320508));
        });
        tensors.put(name, new TensorData(name, dtype, shape, seg));
    }

    private void put(MemorySegment seg, long i, float v) {
        switch (dtype) {
            case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
            case BF16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(v) >>> 16));
            case F16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
        }
    }

    @Override public boolean has(String name) { return tensors.containsKey(name); }

    @Override public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) throw new EngineException("missing tensor " + name);
        return t;
    }

    @Override public Set<String> names() { return tensors.keySet(); }

    @Override public DType dtype() { return dtype; }

    @Override public void close() { arena.close(); }
}
