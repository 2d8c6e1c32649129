package ai.baton.kvtransfer;

/** Where a KV pool lives. */
public enum MemoryKind {
    /** Host memory: UCX registers it and peers put into it directly. */
    HOST,
    /** CUDA device memory: reachable through CUDA IPC on one host, else staged through pinned host memory. */
    CUDA,
    /**
     * Host memory that pretends to be device memory: only reachable through a {@link DeviceMemory} copier.
     * It exercises the staging path on machines without a GPU.
     */
    SIMULATED_DEVICE
}
