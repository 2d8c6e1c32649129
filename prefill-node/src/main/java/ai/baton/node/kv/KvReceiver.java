package ai.baton.node.kv;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Decode side of the KV handover: the engine's KV caches, registered once, and the transfers expected into them.
 * The decode node owns the blocks; this only tells it when their KV has arrived, and when it may free them.
 */
public interface KvReceiver extends AutoCloseable {

    /** Expects a request's KV in {@code blocks} (the same ids on every local TP rank). */
    Inbound expect(String requestId, int[] blocks);

    @Override
    void close();

    /** One expected transfer. */
    interface Inbound {
        /** What a sender needs to write into the blocks: one opaque descriptor per local TP rank. */
        List<byte[]> rankDescriptors();

        /**
         * Completes once every layer from every sender rank is visible in memory (the transfer is then over: nothing
         * writes into the blocks any more); fails if a sender gives up or dies, or the transfer's own lease expires.
         */
        CompletableFuture<Void> landed();

        /**
         * Gives up on the transfer. The future completes once no sender can still write into the blocks, so they
         * may be reused; it always completes (a sender that does not answer is cut off).
         */
        CompletableFuture<Void> cancel(String reason);
    }
}
