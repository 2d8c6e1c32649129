package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * fp32 K and V regions per layer, off-heap, HND layout. Either allocated here, or memory another owner provides
 * (kv-transfer allocates it so UCX can use shared memory for it), released through that owner.
 */
public final class CpuKvCache implements KvCacheStorage {
    private final KvLayout layout;
    private final Arena arena;
    private final Runnable release;
    private final MemorySegment[] keys, values;

    CpuKvCache(KvLayout layout) {
        checkLayout(layout);
        this.layout = layout;
        this.arena = Arena.ofShared();
        this.release = arena::close;
        keys = new MemorySegment[layout.numLayers()];
        values = new MemorySegment[layout.numLayers()];
        for (int l = 0; l < layout.numLayers(); l++) {
            keys[l] = arena.allocate(layout.regionBytes(), 64);
            values[l] = arena.allocate(layout.regionBytes(), 64);
        }
    }

    private CpuKvCache(KvLayout layout, MemorySegment[] keys, MemorySegment[] values, Runnable release) {
        checkLayout(layout);
        for (int l = 0; l < layout.numLayers(); l++)
            if (keys[l].byteSize() < layout.regionBytes() || values[l].byteSize() < layout.regionBytes())
                throw new IllegalArgumentException("layer " + l + " KV region is smaller than the layout needs");
        this.layout = layout;
        this.arena = null;
        this.release = release;
        this.keys = keys.clone();
        this.values = values.clone();
    }

    /** A cache over memory someone else owns; {@code release} runs on close. */
    public static KvCacheStorage wrap(KvLayout layout, MemorySegment[] keys, MemorySegment[] values, Runnable release) {
        return new CpuKvCache(layout, keys, values, release);
    }

    private static void checkLayout(KvLayout layout) {
        if (layout.elementBytes() != 4) throw new IllegalArgumentException("the CPU KV cache is fp32");
    }

    /** Float index of (block, head, slot in block, 0). */
    long index(int block, int head, int slot) {
        return (((long) block * layout.kvHeads() + head) * layout.blockSize() + slot) * layout.headDim();
    }

    @Override public KvLayout layout() { return layout; }
    @Override public MemorySegment keys(int layer) { return keys[layer]; }
    @Override public MemorySegment values(int layer) { return values[layer]; }
    @Override public boolean onDevice() { return false; }
    @Override public void close() { release.run(); }
}
