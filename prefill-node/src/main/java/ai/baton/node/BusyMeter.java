package ai.baton.node;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * The engine's busy fraction over a recent window: the increase of its busy-time counter divided by the wall time
 * between two samples, the newest now and the oldest still inside the window. Samples are taken when the fraction
 * is asked for (each load report), at most one per {@code window / 8}, so memory stays small whatever the callers.
 */
public final class BusyMeter {
    /** Long enough to smooth over a few slow steps, short enough for routing to see load change. */
    public static final long DEFAULT_WINDOW_NANOS = 5_000_000_000L;

    private final long windowNanos;
    private final LongSupplier busyNanos;
    private final LongSupplier clock;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    /**
     * @param busyNanos the engine's cumulative busy time ({@code engine.stats().busyNanos()})
     * @param clock     {@link System#nanoTime()}, or a fake one in tests
     */
    public BusyMeter(long windowNanos, LongSupplier busyNanos, LongSupplier clock) {
        if (windowNanos <= 0) throw new IllegalArgumentException("busy window must be > 0 ns, got " + windowNanos);
        this.windowNanos = windowNanos;
        this.busyNanos = busyNanos;
        this.clock = clock;
        samples.add(new long[]{clock.getAsLong(), busyNanos.getAsLong()});
    }

    /** Busy fraction (0 to 1) of the last window; since construction while younger than one window. */
    public synchronized double fraction() {
        long now = clock.getAsLong(), busy = busyNanos.getAsLong();
        // Drop samples older than the window, keeping the newest of them as the window's start.
        while (samples.size() > 1) {
            var it = samples.iterator();
            it.next();
            if (now - it.next()[0] < windowNanos) break;
            samples.removeFirst();
        }
        long[] first = samples.getFirst();
        if (now - samples.getLast()[0] >= windowNanos / 8) samples.addLast(new long[]{now, busy});
        long wall = now - first[0];
        if (wall <= 0) return 0;
        return Math.max(0, Math.min(1, (double) (busy - first[1]) / wall));
    }
}
