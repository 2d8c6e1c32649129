package ai.baton.node.kv;

import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.KvCacheAllocator;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.cpu.CpuKvCache;
import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvPool;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * Places each TP rank's KV cache where kv-transfer moves it fastest: on the CPU in host memory the agent allocates
 * (UCX can then use shared memory between processes of one host, instead of TCP loopback for memory it only
 * registered); on a GPU in the backend's device memory, registered as a device pool.
 */
final class KvPoolAllocator implements KvCacheAllocator {
    private final KvAgent agent;
    private final int totalKvHeads;
    private final KvPool[] pools;

    KvPoolAllocator(KvAgent agent, int totalKvHeads, int tp) {
        this.agent = agent;
        this.totalKvHeads = totalKvHeads;
        this.pools = new KvPool[tp];
    }

    @Override
    public KvCacheStorage allocate(int rank, KvLayout l, Backend backend) {
        if ("cpu".equals(backend.name())) {
            KvPool pool = agent.allocateHostPool(EngineKvPools.layout(l, totalKvHeads, rank, pools.length));
            MemorySegment[] k = new MemorySegment[l.numLayers()], v = new MemorySegment[l.numLayers()];
            for (int layer = 0; layer < k.length; layer++) {
                k[layer] = pool.kSegment(layer);
                v[layer] = pool.vSegment(layer);
            }
            pools[rank] = pool;
            return CpuKvCache.wrap(l, k, v, pool::close); // the engine's cache closes the pool, which frees the memory
        }
        KvCacheStorage cache = backend.allocateKvCache(l);
        try {
            pools[rank] = EngineKvPools.register(agent, cache, totalKvHeads, rank, pools.length);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
        return cache;
    }

    List<KvPool> pools() {
        if (Arrays.stream(pools).anyMatch(p -> p == null)) throw new IllegalStateException("not every rank's KV cache was allocated");
        return List.of(pools);
    }
}
