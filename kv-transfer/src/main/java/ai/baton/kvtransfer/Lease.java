package ai.baton.kvtransfer;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Reserved destination blocks with a deadline. A lease ends exactly once: committed (the KV arrived and the
 * blocks now belong to the request) or released (the transfer failed or timed out: the owner frees the blocks
 * in its release callback). Time comes from an injected nanosecond clock, so expiry is testable without sleeping.
 */
public final class Lease {
    public enum State { HELD, COMMITTED, RELEASED }

    private final int[] blocks;
    private final long durationNanos;
    private final LongSupplier clock;
    private final Consumer<Lease> onRelease;
    private long deadlineNanos;
    private State state = State.HELD;
    private String releaseReason;

    public Lease(int[] blocks, long durationNanos, LongSupplier clock, Consumer<Lease> onRelease) {
        if (durationNanos <= 0) throw new IllegalArgumentException("lease duration must be positive");
        this.blocks = blocks.clone();
        this.durationNanos = durationNanos;
        this.clock = clock;
        this.onRelease = onRelease == null ? l -> { } : onRelease;
        this.deadlineNanos = clock.getAsLong() + durationNanos;
    }

    public int[] blocks() {
        return blocks.clone();
    }

    public synchronized State state() {
        return state;
    }

    public synchronized String releaseReason() {
        return releaseReason;
    }

    public synchronized long deadlineNanos() {
        return deadlineNanos;
    }

    public synchronized long remainingMillis() {
        return TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadlineNanos - clock.getAsLong()));
    }

    /** Pushes the deadline out by one full duration from now (progress was made). */
    public synchronized void renew() {
        if (state == State.HELD) deadlineNanos = clock.getAsLong() + durationNanos;
    }

    public synchronized boolean isExpired() {
        return state == State.HELD && clock.getAsLong() - deadlineNanos >= 0;
    }

    /** The KV arrived: the blocks stay with the caller and the release callback never runs. */
    public synchronized boolean commit() {
        if (state != State.HELD) return false;
        state = State.COMMITTED;
        return true;
    }

    /** Ends the lease and runs the release callback (once). */
    public boolean release(String reason) {
        synchronized (this) {
            if (state != State.HELD) return false;
            state = State.RELEASED;
            releaseReason = reason;
        }
        onRelease.accept(this);
        return true;
    }

    @Override
    public synchronized String toString() {
        return "Lease[" + blocks.length + " blocks, " + state + (releaseReason != null ? " (" + releaseReason + ")" : "") + "]";
    }
}
