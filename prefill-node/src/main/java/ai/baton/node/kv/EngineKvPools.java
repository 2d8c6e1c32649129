package ai.baton.node.kv;

import ai.baton.engine.LlmEngine;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvPool;
import ai.baton.kvtransfer.KvPoolLayout;
import ai.baton.kvtransfer.cuda.CudaDriver;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Registers KV caches the engine already allocated with a kv-transfer agent: one pool per TP rank, in rank order. */
final class EngineKvPools {
    private EngineKvPools() {}

    static List<KvPool> register(KvAgent agent, LlmEngine engine) {
        int tp = engine.runner().tensorParallel();
        List<KvPool> pools = new ArrayList<>();
        try {
            for (int r = 0; r < tp; r++) pools.add(register(agent, engine.runner().kvCache(r), engine.modelConfig().numKvHeads(), r, tp));
            return pools;
        } catch (RuntimeException e) {
            pools.forEach(KvPool::close);
            throw e;
        }
    }

    /** The engine's per-rank shape as kv-transfer describes it (it counts KV heads over all ranks). */
    static KvPoolLayout layout(KvLayout l, int totalKvHeads, int rank, int tp) {
        return new KvPoolLayout(l.numLayers(), l.numBlocks(), l.blockSize(), totalKvHeads, l.headDim(), l.elementBytes(),
                ai.baton.kvtransfer.KvLayout.HND, rank, tp);
    }

    static KvPool register(KvAgent agent, KvCacheStorage cache, int totalKvHeads, int rank, int tp) {
        KvLayout l = cache.layout();
        KvPoolLayout layout = layout(l, totalKvHeads, rank, tp);
        if (cache.onDevice()) {
            // The engine puts rank r on GPU r; its segments carry device addresses.
            long[] k = new long[l.numLayers()], v = new long[l.numLayers()];
            for (int layer = 0; layer < l.numLayers(); layer++) {
                k[layer] = cache.keys(layer).address();
                v[layer] = cache.values(layer).address();
            }
            return agent.registerDevicePool(layout, CudaDriver.get().device(rank), k, v);
        }
        List<MemorySegment> k = new ArrayList<>(), v = new ArrayList<>();
        for (int layer = 0; layer < l.numLayers(); layer++) {
            k.add(cache.keys(layer));
            v.add(cache.values(layer));
        }
        return agent.registerHostPool(layout, k, v);
    }
}
