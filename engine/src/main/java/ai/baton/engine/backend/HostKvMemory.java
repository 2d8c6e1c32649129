package ai.baton.engine.backend;

import ai.baton.engine.kv.KvCopy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Host memory of one rank's share of the KV offload tier: {@code slots} images of a pool block, each every layer's K
 * then V block ({@link #offset}). The backend that allocated it copies blocks in and out ({@link Backend#copyKvBlocks}).
 */
public interface HostKvMemory extends AutoCloseable {

    /** Bytes of one slot: a block of every layer, K and V. */
    static long slotBytes(KvLayout layout) { return 2L * layout.numLayers() * layout.blockBytesPerLayer(); }

    /** Byte offset of layer {@code layer}'s K (or V) block in slot {@code slot}. */
    static long offset(KvLayout layout, int slot, int layer, boolean value) {
        return slot * slotBytes(layout) + (2L * layer + (value ? 1 : 0)) * layout.blockBytesPerLayer();
    }

    @Override
    void close();

    /** Off-heap memory, for backends whose cache is in host memory too. */
    static HostKvMemory offHeap(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(Math.max(1, bytes), 64);
        return new OffHeap(segment, arena);
    }

    /** Copies whole blocks between a host-memory cache and off-heap tier memory, in order. */
    static void copyOnHost(KvCacheStorage kv, MemorySegment host, List<KvCopy> copies) {
        KvLayout layout = kv.layout();
        long n = layout.blockBytesPerLayer();
        for (KvCopy c : copies) {
            for (int l = 0; l < layout.numLayers(); l++) {
                for (int v = 0; v < 2; v++) {
                    MemorySegment region = v == 0 ? kv.keys(l) : kv.values(l);
                    long at = c.block() * n, slotAt = offset(layout, c.slot(), l, v == 1);
                    if (c.toHost()) MemorySegment.copy(region, at, host, slotAt, n);
                    else MemorySegment.copy(host, slotAt, region, at, n);
                }
            }
        }
    }

    record OffHeap(MemorySegment segment, Arena arena) implements HostKvMemory {
        @Override public void close() { arena.close(); }
    }
}
