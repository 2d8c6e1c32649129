package ai.baton.kvtransfer;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A {@link DeviceMemory} whose "device" memory is ordinary host memory: the staging path's logic runs and is
 * tested on machines without a GPU. Copies are plain memcpy.
 */
public final class SimulatedDevice implements DeviceMemory {
    private final int ordinal;

    public SimulatedDevice(int ordinal) {
        this.ordinal = ordinal;
    }

    @Override
    public MemoryKind kind() {
        return MemoryKind.SIMULATED_DEVICE;
    }

    @Override
    public int ordinal() {
        return ordinal;
    }

    @Override
    public String deviceId() {
        return "sim-" + ProcessHandle.current().pid() + "-" + ordinal;
    }

    @Override
    public void copyToHost(List<Piece> pieces) {
        for (Piece p : pieces) copy(p.deviceAddress(), p.hostAddress(), p.length());
    }

    @Override
    public void copyFromHost(List<Piece> pieces) {
        for (Piece p : pieces) copy(p.hostAddress(), p.deviceAddress(), p.length());
    }

    private static void copy(long from, long to, long len) {
        MemorySegment.copy(MemorySegment.ofAddress(from).reinterpret(len), 0, MemorySegment.ofAddress(to).reinterpret(len), 0, len);
    }
}
