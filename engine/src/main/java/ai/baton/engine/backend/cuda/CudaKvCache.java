package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;

import java.lang.foreign.MemorySegment;

/**
 * bf16 K and V regions per layer in device memory, HND layout [block][kvHead][slot][headDim]. The segments it hands
 * out are zero-length with the device address, for kv-transfer to register.
 */
final class CudaKvCache implements KvCacheStorage {
    private final KvLayout layout;
    private final DeviceHeap heap;
    private final DeviceMemory[] keys, values;
    private boolean closed;

    CudaKvCache(KvLayout layout, DeviceHeap heap) {
        if (layout.elementBytes() != 2) throw new IllegalArgumentException("the CUDA KV cache is bf16 (2 bytes), got " + layout.elementBytes());
        this.layout = layout;
        this.heap = heap;
        keys = new DeviceMemory[layout.numLayers()];
        values = new DeviceMemory[layout.numLayers()];
        try {
            for (int l = 0; l < layout.numLayers(); l++) {
                keys[l] = heap.allocate(layout.regionBytes());
                values[l] = heap.allocate(layout.regionBytes());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    long keyAddress(int layer) { return keys[layer].address; }

    long valueAddress(int layer) { return values[layer].address; }

    DeviceMemory keyMemory(int layer) { return keys[layer]; }

    DeviceMemory valueMemory(int layer) { return values[layer]; }

    @Override public KvLayout layout() { return layout; }

    @Override public MemorySegment keys(int layer) { return MemorySegment.ofAddress(keys[layer].address); }

    @Override public MemorySegment values(int layer) { return MemorySegment.ofAddress(values[layer].address); }

    @Override public boolean onDevice() { return true; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (DeviceMemory m : keys) heap.free(m);
        for (DeviceMemory m : values) heap.free(m);
    }
}
