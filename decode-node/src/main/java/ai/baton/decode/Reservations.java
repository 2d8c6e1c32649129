package ai.baton.decode;

import ai.baton.engine.LlmEngine;
import ai.baton.node.kv.KvReceiver;
import io.grpc.Status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The decode node's table of reservations, and the owner of their blocks until a Generate call hands them to the
 * engine. Every reservation ends exactly once: admitted, or released (which frees its blocks after kv-transfer
 * confirmed that no sender writes into them any more). Lease deadlines use an injected nanosecond clock.
 */
final class Reservations {
    private static final System.Logger LOG = System.getLogger("baton.decode");

    private final LlmEngine engine;
    private final KvReceiver receiver;
    private final LongSupplier clock;
    private final Duration lease;
    private final Executor cleanup;
    private final Map<String, Reservation> table = new LinkedHashMap<>();
    private int blocksHeld; // reserved blocks not yet admitted or freed (includes ones being released)

    Reservations(LlmEngine engine, KvReceiver receiver, LongSupplier clock, Duration lease, Executor cleanup) {
        this.engine = engine;
        this.receiver = receiver;
        this.clock = clock;
        this.lease = lease;
        this.cleanup = cleanup;
    }

    /** Reserves blocks for {@code numTokens} tokens and opens the inbound transfer; throws a gRPC status on failure. */
    Reservation reserve(String requestId, int numTokens) {
        int[] blocks = engine.reserveBlocks(numTokens);
        if (blocks == null) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("not enough free KV blocks for " + numTokens + " tokens").asRuntimeException();
        }
        KvReceiver.Inbound in;
        try {
            in = receiver.expect(requestId, blocks);
        } catch (RuntimeException e) {
            engine.releaseBlocks(blocks);
            throw Status.INTERNAL.withDescription("cannot register the KV target: " + e.getMessage()).asRuntimeException();
        }
        Reservation r = new Reservation("rsv-" + UUID.randomUUID(), requestId, blocks, in, clock.getAsLong() + lease.toNanos(),
                System.currentTimeMillis() + lease.toMillis());
        synchronized (this) {
            table.put(r.id, r);
            blocksHeld += blocks.length;
        }
        in.landed().whenComplete((v, e) -> {
            if (e == null) {
                r.landedNanos = System.nanoTime();
                r.arrival.complete(null);
            }
            else release(r, "KV transfer failed: " + e.getMessage());
        });
        return r;
    }

    /** Takes a reservation for a Generate call; throws NOT_FOUND (unknown, expired) or FAILED_PRECONDITION (taken). */
    synchronized Reservation claim(String id) {
        Reservation r = table.get(id);
        if (r == null) throw Status.NOT_FOUND.withDescription("no reservation " + id + " (never made, released or expired)").asRuntimeException();
        if (r.state != Reservation.State.RESERVED) throw Status.FAILED_PRECONDITION.withDescription("reservation " + id + " is already claimed").asRuntimeException();
        r.state = Reservation.State.CLAIMED;
        return r;
    }

    /** The claimed reservation's blocks pass to the engine; false if it was released meanwhile. */
    synchronized boolean admit(Reservation r) {
        if (r.state != Reservation.State.CLAIMED) return false;
        r.state = Reservation.State.ADMITTED;
        table.remove(r.id);
        blocksHeld -= r.blocks.length;
        return true;
    }

    /** Release RPC: false when unknown or already handed to a Generate call. */
    boolean release(String id, String reason) {
        Reservation r;
        synchronized (this) {
            r = table.get(id);
            if (r == null || r.state != Reservation.State.RESERVED) return false;
        }
        return release(r, reason);
    }

    /** Ends a reservation that was not admitted: fails its waiter, stops its transfer, then frees its blocks. */
    boolean release(Reservation r, String reason) {
        synchronized (this) {
            if (r.state != Reservation.State.RESERVED && r.state != Reservation.State.CLAIMED) return false;
            r.state = Reservation.State.RELEASED;
            table.remove(r.id);
        }
        LOG.log(System.Logger.Level.DEBUG, "reservation {0} ({1}) released: {2}", r.id, r.requestId, reason);
        r.arrival.completeExceptionally(new IllegalStateException(reason));
        r.inbound.cancel(reason).whenCompleteAsync((v, e) -> {
            try {
                engine.releaseBlocks(r.blocks);
            } finally {
                synchronized (this) {
                    blocksHeld -= r.blocks.length;
                }
            }
        }, cleanup);
        return true;
    }

    /** Releases every reservation whose lease ran out; returns how many. */
    int expire() {
        long now = clock.getAsLong();
        List<Reservation> late = new ArrayList<>();
        synchronized (this) {
            for (Reservation r : table.values()) if (now - r.deadlineNanos >= 0) late.add(r);
        }
        int n = 0;
        for (Reservation r : late) if (release(r, "lease expired")) n++;
        return n;
    }

    void releaseAll(String reason) {
        List<Reservation> all;
        synchronized (this) {
            all = new ArrayList<>(table.values());
        }
        for (Reservation r : all) release(r, reason);
    }

    /** Reservations not yet admitted or released. */
    synchronized int size() { return table.size(); }

    /** Blocks still held by reservations, including ones whose release waits for the transfer to stop. */
    synchronized int blocksHeld() { return blocksHeld; }
}
