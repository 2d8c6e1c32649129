package ai.baton.engine;

import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.Backends;
import ai.baton.engine.backend.Communicator;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.cpu.LocalCommunicator;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.model.Shard;
import ai.baton.engine.model.Transformer;
import ai.baton.engine.sampling.Sampler;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.weights.WeightSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs forward passes over all tensor-parallel ranks of one engine: one backend, one model shard and one KV cache
 * per rank. With one rank it calls the model directly; with several, each rank runs on its own thread and they meet
 * in the communicator's all-reduces. Every rank computes the full logits (replicated LM head); rank 0's are returned.
 */
public final class ModelRunner implements AutoCloseable {
    private final ModelConfig config;
    private final List<Backend> backends = new ArrayList<>();
    private final List<Transformer> ranks = new ArrayList<>();
    private final List<KvCacheStorage> caches = new ArrayList<>();
    private final ExecutorService rankThreads;
    private final LocalCommunicator.Group group;
    private final KvLayout layout;

    public ModelRunner(ModelConfig config, WeightSource weights, EngineConfig ec, int numBlocks) {
        this(config, weights, ec, numBlocks, ai.baton.engine.backend.KvCacheAllocator.BACKEND);
    }

    public ModelRunner(ModelConfig config, WeightSource weights, EngineConfig ec, int numBlocks,
                       ai.baton.engine.backend.KvCacheAllocator kvAllocator) {
        this.config = config;
        int tp = Math.max(1, ec.tensorParallel());
        int threads = ec.threads() > 0 ? ec.threads() : Runtime.getRuntime().availableProcessors();
        group = tp > 1 ? new LocalCommunicator.Group(tp) : null;
        try {
            KvLayout l = null;
            for (int r = 0; r < tp; r++) {
                Shard shard = Shard.of(config, r, tp);
                Backend be = Backends.create(ec.backend(), Math.max(1, threads / tp), r);
                backends.add(be);
                Communicator comm = tp > 1 ? group.rank(r) : Communicator.SINGLE;
                ranks.add(new Transformer(config, weights, be, shard, comm));
                int elementBytes = "cpu".equals(ec.backend()) ? 4 : 2;
                l = new KvLayout(config.numLayers(), numBlocks, ec.blockSize(), shard.kvHeads(), config.headDim(), elementBytes);
                caches.add(kvAllocator.allocate(r, l, be));
            }
            layout = l;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        rankThreads = tp > 1 ? Executors.newFixedThreadPool(tp, r -> {
            Thread t = new Thread(r, "tp-rank");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Logits of the batch's logit rows, [rows * vocab] on the host. */
    public float[] forward(ForwardBatch batch) {
        return forward(batch, null);
    }

    /** As {@link #forward(ForwardBatch)}; {@code afterLayer(rank, layer)} runs once each rank's layer K/V is written. */
    public float[] forward(ForwardBatch batch, RankLayerCallback afterLayer) {
        if (ranks.size() == 1) {
            Transformer m = ranks.getFirst();
            return m.backend().toHost(m.forward(batch, caches.getFirst(), afterLayer == null ? null : l -> afterLayer.after(0, l)));
        }
        List<Future<float[]>> results = new ArrayList<>();
        for (int r = 0; r < ranks.size(); r++) {
            Transformer m = ranks.get(r);
            KvCacheStorage kv = caches.get(r);
            boolean first = r == 0;
            int rank = r;
            results.add(rankThreads.submit(() -> {
                var out = m.forward(batch, kv, afterLayer == null ? null : l -> afterLayer.after(rank, l));
                return first ? m.backend().toHost(out) : null;
            }));
        }
        float[] logits = null;
        RuntimeException failure = null;
        for (Future<float[]> f : results) {
            try {
                float[] v = f.get();
                if (v != null) logits = v;
            } catch (Exception e) {
                group.breakGroup(); // release ranks blocked in an all-reduce
                if (failure == null) failure = new EngineException("tensor-parallel forward failed: " + rootMessage(e), e);
            }
        }
        if (failure != null) throw failure;
        return logits;
    }

    /**
     * Runs the batch and picks one token per logit row with the backend's sampler (on a GPU only the ids reach the
     * host); {@code randomBits} drive non-greedy draws (see {@link Backend#sample}).
     */
    public int[] forwardSample(ForwardBatch batch, SamplingParams[] params, long[] randomBits) {
        if (ranks.size() == 1) {
            Transformer m = ranks.getFirst();
            return m.backend().sample(m.forward(batch, caches.getFirst()), params, randomBits);
        }
        float[] logits = forward(batch);
        int vocab = config.vocabSize();
        int[] out = new int[batch.logitRows().length];
        for (int i = 0; i < out.length; i++)
            out[i] = params[i] == null || params[i].isGreedy() ? Sampler.argmax(logits, i * vocab, vocab)
                    : Sampler.sample(logits, i * vocab, vocab, params[i], new java.util.SplittableRandom(randomBits[i]));
        return out;
    }

    @FunctionalInterface
    public interface RankLayerCallback {
        void after(int rank, int layer);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return String.valueOf(t.getMessage());
    }

    public ModelConfig config() { return config; }

    public int tensorParallel() { return ranks.size(); }

    /** Rank r's KV cache (what kv-transfer registers). */
    public KvCacheStorage kvCache(int rank) { return caches.get(rank); }

    public KvLayout kvLayout() { return layout; }

    public Backend backend(int rank) { return backends.get(rank); }

    @Override
    public void close() {
        if (rankThreads != null) rankThreads.shutdownNow();
        caches.forEach(KvCacheStorage::close);
        ranks.forEach(Transformer::close);
        backends.forEach(Backend::close);
    }
}
