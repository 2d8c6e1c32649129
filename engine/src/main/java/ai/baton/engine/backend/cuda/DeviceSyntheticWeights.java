package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.TensorData;
import ai.baton.engine.weights.WeightSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Random weights of any config's names and shapes, generated on the GPU: the matrices are descriptors with no host
 * data, which the CUDA backend fills in device memory from a hash of (seed, row, column) when it loads them, so an
 * 8B-parameter shape costs no host memory and no upload. Scales follow {@link ai.baton.engine.weights.SyntheticWeights}
 * (std 1/sqrt(fan_in), embeddings std 1, norms 1); small vectors are ordinary host tensors.
 */
public final class DeviceSyntheticWeights implements WeightSource {
    /** How the backend fills a descriptor. */
    record Spec(long seed, float scale) {}

    private static final Map<TensorData, Spec> SPECS = Collections.synchronizedMap(new IdentityHashMap<>());

    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorData> tensors = new LinkedHashMap<>();

    public DeviceSyntheticWeights(ModelConfig c, long seed) {
        int h = c.hiddenSize(), q = c.qSize(), kv = c.kvSize(), ff = c.intermediateSize();
        long s = seed * 1_000_003L;
        matrix("model.embed_tokens.weight", s++, 1.0f, c.vocabSize(), h);
        if (!c.tieWordEmbeddings()) matrix("lm_head.weight", s++, (float) (1 / Math.sqrt(h)), c.vocabSize(), h);
        ones("model.norm.weight", h);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            ones(p + "input_layernorm.weight", h);
            ones(p + "post_attention_layernorm.weight", h);
            matrix(p + "self_attn.q_proj.weight", s++, (float) (1 / Math.sqrt(h)), q, h);
            matrix(p + "self_attn.k_proj.weight", s++, (float) (1 / Math.sqrt(h)), kv, h);
            matrix(p + "self_attn.v_proj.weight", s++, (float) (1 / Math.sqrt(h)), kv, h);
            matrix(p + "self_attn.o_proj.weight", s++, (float) (1 / Math.sqrt(q)), h, q);
            if (c.attentionBias()) {
                vector(p + "self_attn.q_proj.bias", rnd, q);
                vector(p + "self_attn.k_proj.bias", rnd, kv);
                vector(p + "self_attn.v_proj.bias", rnd, kv);
            }
            if (c.architecture().qkNorm) {
                ones(p + "self_attn.q_norm.weight", c.headDim());
                ones(p + "self_attn.k_norm.weight", c.headDim());
            }
            matrix(p + "mlp.gate_proj.weight", s++, (float) (1 / Math.sqrt(h)), ff, h);
            matrix(p + "mlp.up_proj.weight", s++, (float) (1 / Math.sqrt(h)), ff, h);
            matrix(p + "mlp.down_proj.weight", s++, (float) (1 / Math.sqrt(ff)), h, ff);
        }
    }

    /** The fill of a device-generated tensor, or null for an ordinary one. */
    static Spec spec(TensorData t) { return SPECS.get(t); }

    private void matrix(String name, long seed, float scale, long rows, long cols) {
        TensorData t = new TensorData(name, DType.BF16, new long[]{rows, cols}, MemorySegment.NULL);
        tensors.put(name, t);
        SPECS.put(t, new Spec(seed, scale));
    }

    private void ones(String name, int n) {
        MemorySegment seg = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
        tensors.put(name, new TensorData(name, DType.F32, new long[]{n}, seg));
    }

    private void vector(String name, SplittableRandom rnd, int n) {
        MemorySegment seg = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((rnd.nextDouble() * 2 - 1) * 0.02 * 1.7320508));
        tensors.put(name, new TensorData(name, DType.F32, new long[]{n}, seg));
    }

    @Override public boolean has(String name) { return tensors.containsKey(name); }

    @Override
    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) throw new EngineException("missing tensor " + name);
        return t;
    }

    @Override public Set<String> names() { return tensors.keySet(); }

    @Override public DType dtype() { return DType.BF16; }

    @Override
    public void close() {
        for (TensorData t : tensors.values()) SPECS.remove(t);
        arena.close();
    }
}
