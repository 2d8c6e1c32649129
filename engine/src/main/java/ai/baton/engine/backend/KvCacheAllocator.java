package ai.baton.engine.backend;

/**
 * Supplies the memory of a rank's KV cache. The default asks the backend; a node that moves KV with kv-transfer
 * supplies memory its transfer agent allocated (registered for the fast transports).
 */
@FunctionalInterface
public interface KvCacheAllocator {
    KvCacheStorage allocate(int rank, KvLayout layout, Backend backend);

    KvCacheAllocator BACKEND = (rank, layout, backend) -> backend.allocateKvCache(layout);
}
