package ai.baton.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RequestRandomTest {
    @Test
    void drawsSplittableRandomsSequenceForASeed() {
        for (long seed : new long[] {0, 1, 7, -3, Long.MAX_VALUE}) {
            SplittableRandom ref = new SplittableRandom(seed);
            RequestRandom r = new RequestRandom(seed);
            for (int i = 0; i < 100; i++) {
                if (i % 2 == 0) assertEquals(ref.nextLong(), r.nextLong());
                else assertEquals(ref.nextDouble(), r.nextDouble());
            }
        }
    }

    @Test
    void peekLooksAheadAndSkipMovesOn() {
        RequestRandom r = new RequestRandom(42), ref = new RequestRandom(42);
        long p0 = r.peekLong(0), p1 = r.peekLong(1), p2 = r.peekLong(2);
        assertEquals(ref.nextLong(), p0);
        assertEquals(ref.nextLong(), p1);
        assertEquals(ref.nextLong(), p2);
        r.skip(2);
        assertEquals(p2, r.nextLong());
    }
}
