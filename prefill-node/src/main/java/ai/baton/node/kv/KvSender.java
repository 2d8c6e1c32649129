package ai.baton.node.kv;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Prefill side of the KV handover: pushes layers of the local KV caches into a decode node's reserved blocks. */
public interface KvSender extends AutoCloseable {

    /**
     * Starts a transfer to the receiver ranks described by {@code targets} (one descriptor per decode TP rank, as the
     * decode node's Reserve returned them). Fails fast when a descriptor is malformed or its layout does not match.
     */
    Outbound open(String requestId, List<byte[]> targets);

    @Override
    void close();

    /** One transfer in progress. */
    interface Outbound {
        /**
         * Layer {@code layer} of local rank {@code rank} is written for {@code blocks} (the request's whole block
         * table, cached prefix included; block i goes to the receiver's i-th reserved block): send it. Must not block:
         * it is called from the engine's step loop between layers.
         */
        void pushLayer(int rank, int layer, int[] blocks);

        /** Completes with the bytes moved once every layer of every rank has landed; fails if the receiver is gone. */
        CompletableFuture<Long> done();

        /** Name of the transport that moves the bytes (for metrics and the response). */
        String transport();

        /** Stops sending; {@link #done()} fails if it had not completed. Idempotent. */
        void abort(String reason);
    }
}
