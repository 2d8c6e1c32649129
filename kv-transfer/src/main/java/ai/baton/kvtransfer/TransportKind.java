package ai.baton.kvtransfer;

import java.util.Locale;

/** How bytes move between one pair of peers. */
public enum TransportKind {
    /** One-sided UCX puts between registered host memory (shared memory, TCP, RDMA: UCX's choice). */
    UCX,
    /** CUDA IPC: the sender maps the receiver's device memory and copies device to device. */
    CUDA_IPC,
    /** Device memory that UCX cannot reach goes through pinned host buffers, then UCX puts. */
    STAGED;

    /** Name used on command lines, in logs and in metrics labels. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static TransportKind parse(String s) {
        for (TransportKind k : values()) {
            if (k.label().equalsIgnoreCase(s) || k.name().equalsIgnoreCase(s)) return k;
        }
        throw new IllegalArgumentException("unknown transport '" + s + "' (expected ucx, cuda-ipc or staged)");
    }
}
