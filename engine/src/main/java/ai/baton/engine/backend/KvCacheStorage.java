package ai.baton.engine.backend;

import java.lang.foreign.MemorySegment;

/** The memory behind one rank's paged KV cache; kv-transfer registers these regions and writes into them. */
public interface KvCacheStorage extends AutoCloseable {
    KvLayout layout();

    /** Layer {@code layer}'s K region (host segment; for device memory a zero-length segment whose address is the pointer). */
    MemorySegment keys(int layer);

    MemorySegment values(int layer);

    /** True when the regions are device memory (addresses are device pointers). */
    boolean onDevice();

    @Override
    void close();
}
