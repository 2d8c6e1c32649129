package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** fp32 K and V regions per layer, off-heap (so kv-transfer can register them), HND layout. */
final class CpuKvCache implements KvCacheStorage {
    private final KvLayout layout;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] keys, values;

    CpuKvCache(KvLayout layout) {
        if (layout.elementBytes() != 4) throw new IllegalArgumentException("the CPU KV cache is fp32");
        this.layout = layout;
        keys = new MemorySegment[layout.numLayers()];
        values = new MemorySegment[layout.numLayers()];
        for (int l = 0; l < layout.numLayers(); l++) {
            keys[l] = arena.allocate(layout.regionBytes(), 64);
            values[l] = arena.allocate(layout.regionBytes(), 64);
        }
    }

    /** Float index of (block, head, slot in block, 0). */
    long index(int block, int head, int slot) {
        return (((long) block * layout.kvHeads() + head) * layout.blockSize() + slot) * layout.headDim();
    }

    @Override public KvLayout layout() { return layout; }
    @Override public MemorySegment keys(int layer) { return keys[layer]; }
    @Override public MemorySegment values(int layer) { return values[layer]; }
    @Override public boolean onDevice() { return false; }
    @Override public void close() { arena.close(); }
}
