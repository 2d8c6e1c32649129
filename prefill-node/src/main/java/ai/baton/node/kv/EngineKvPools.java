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

/** Registers an engine's KV caches with a kv-transfer agent: one pool per TP rank, in rank order. */
final class EngineKvPools {
    private EngineKvPools() {}

    static List<KvPool> register(KvAgent agent, LlmEngine engine) {
        int tp = engine.runner().tensorParallel();
        int kvHeads = engine.modelConfig().numKvHeads();
        List<KvPool> pools = new ArrayList<>();
        try {
            for (int r = 0; r < tp; r++) {
                KvCacheStorage cache = engine.runner().kvCache(r);
                KvLayout l = cache.layout();
                KvPoolLayout layout = new KvPoolLayout(l.numLayers(), l.numBlocks(), l.blockSize(), kvHeads, l.headDim(),
                        l.elementBytes(), ai.baton.kvtransfer.KvLayout.HND, r, tp);
                if (cache.onDevice()) {
                    // The engine puts rank r on GPU r; its segments carry device addresses.
                    long[] k = new long[l.numLayers()], v = new long[l.numLayers()];
                    for (int layer = 0; layer < l.numLayers(); layer++) {
                        k[layer] = cache.keys(layer).address();
                        v[layer] = cache.values(layer).address();
                    }
                    pools.add(agent.registerDevicePool(layout, CudaDriver.get().device(r), k, v));
                } else {
                    List<MemorySegment> k = new ArrayList<>(), v = new ArrayList<>();
                    for (int layer = 0; layer < l.numLayers(); layer++) {
                        k.add(cache.keys(layer));
                        v.add(cache.values(layer));
                    }
                    pools.add(agent.registerHostPool(layout, k, v));
                }
            }
            return pools;
        } catch (RuntimeException e) {
            pools.forEach(KvPool::close);
            throw e;
        }
    }
}
