package ai.baton.kvtransfer.transport;

import ai.baton.kvtransfer.TransportKind;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Moves bytes from this process's pool into one peer's pool. Implementations are per transfer leg and
 * share the per-peer connection state (UCX endpoint, CUDA IPC mappings) underneath.
 */
public interface Transport {

    TransportKind kind();

    /**
     * Starts the copies. The future completes once every byte is visible in the peer's memory, so a notice
     * sent afterwards on the control channel never overtakes the data; it fails if the peer or the link fails.
     */
    CompletableFuture<Void> write(List<CopyOp> ops);

    /** Completes when every write issued before it has finished touching both memories. */
    CompletableFuture<Void> fence();
}
