package ai.baton.kvtransfer;

import java.util.List;

/** Copies between a device's memory and host memory, for the staging path. Calls block until the copy is done. */
public interface DeviceMemory {

    /** One piece of a batched copy. */
    record Piece(long deviceAddress, long hostAddress, long length) {}

    MemoryKind kind();

    /** Device ordinal on this host. */
    int ordinal();

    /** Identity of the physical device (a UUID for CUDA), so two processes can tell they share one. */
    String deviceId();

    void copyToHost(List<Piece> pieces);

    void copyFromHost(List<Piece> pieces);

    /** Page-locks host memory for fast copies (cuMemHostRegister); a no-op where that means nothing. */
    default void pinHost(long address, long length) {}

    default void unpinHost(long address) {}
}
