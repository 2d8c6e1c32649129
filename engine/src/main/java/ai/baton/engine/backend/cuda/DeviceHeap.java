package ai.baton.engine.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Owner of a backend's device allocations: everything allocated through it is freed in {@link #close}, newest first,
 * unless freed earlier. Counts bytes for reports.
 */
final class DeviceHeap implements AutoCloseable {
    private final List<DeviceMemory> live = new ArrayList<>();
    private long bytes;

    synchronized DeviceMemory allocate(long n) {
        DeviceMemory m = DeviceMemory.allocate(n);
        live.add(m);
        bytes += m.bytes;
        return m;
    }

    synchronized void free(DeviceMemory m) {
        if (m == null || m.isFreed()) return;
        m.close();
        live.remove(m);
        bytes -= m.bytes;
    }

    synchronized long bytes() { return bytes; }

    @Override
    public synchronized void close() {
        for (int i = live.size() - 1; i >= 0; i--) live.get(i).close();
        live.clear();
        bytes = 0;
    }
}
