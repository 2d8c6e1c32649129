package ai.baton.engine.sampling;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A request's random generator: exactly {@link SplittableRandom}'s sequence for a seed (SplitMix64 with the golden
 * gamma), plus look-ahead. Speculative decoding verifies several positions in one step but keeps only some of
 * them; {@link #peekLong} hands out the draws those positions would take without taking them, and {@link #skip}
 * takes as many as were kept, so a seeded request draws the same numbers with or without speculation.
 */
public final class RequestRandom implements RandomGenerator {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private long state;

    public RequestRandom(long seed) { this.state = seed; }

    /** An unseeded generator. */
    public RequestRandom() { this(new SplittableRandom().nextLong()); }

    @Override
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /** The value the {@code i}-th next call of {@link #nextLong} will return (i = 0: the very next), leaving the state. */
    public long peekLong(int i) { return mix64(state + (i + 1) * GOLDEN_GAMMA); }

    /** Moves on by {@code n} draws. */
    public void skip(int n) { state += n * GOLDEN_GAMMA; }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
