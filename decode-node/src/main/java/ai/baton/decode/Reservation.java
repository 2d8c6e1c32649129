package ai.baton.decode;

import ai.baton.node.kv.KvReceiver;

import java.util.concurrent.CompletableFuture;

/**
 * KV blocks held for one request whose prompt another node prefills. Life: RESERVED (waiting for the KV and for
 * Generate) → CLAIMED (a Generate call waits for the KV) → ADMITTED (the blocks belong to the engine's request),
 * or RELEASED from either of the first two (lease expired, transfer failed, released, cancelled): then the blocks
 * return to the pool once no sender can write into them any more.
 */
final class Reservation {
    enum State { RESERVED, CLAIMED, ADMITTED, RELEASED }

    final String id;
    final String requestId;
    final int[] blocks;
    final KvReceiver.Inbound inbound;
    final long deadlineNanos;
    final long deadlineUnixMs;
    /** Completes when the KV has landed; fails with the reason when the reservation is released first. */
    final CompletableFuture<Void> arrival = new CompletableFuture<>();
    /** When the KV landed (System.nanoTime), set before {@link #arrival} completes. */
    volatile long landedNanos;
    State state = State.RESERVED; // guarded by Reservations

    Reservation(String id, String requestId, int[] blocks, KvReceiver.Inbound inbound, long deadlineNanos, long deadlineUnixMs) {
        this.id = id;
        this.requestId = requestId;
        this.blocks = blocks;
        this.inbound = inbound;
        this.deadlineNanos = deadlineNanos;
        this.deadlineUnixMs = deadlineUnixMs;
    }
}
