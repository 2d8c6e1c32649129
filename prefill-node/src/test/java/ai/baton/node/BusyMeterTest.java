package ai.baton.node;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The busy fraction is the busy counter's rate over the last window, on a fake clock. */
class BusyMeterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void rateOverTheRecentWindow() {
        AtomicLong now = new AtomicLong(100 * S), busy = new AtomicLong(7 * S);
        BusyMeter m = new BusyMeter(4 * S, busy::get, now::get);
        assertEquals(0, m.fraction(), "no time has passed");
        // 2 s at half load: since construction
        for (int i = 0; i < 4; i++) {
            now.addAndGet(S / 2);
            busy.addAndGet(S / 4);
            m.fraction();
        }
        assertEquals(0.5, m.fraction(), 1e-9);
        // then 8 s fully busy: the window forgets the half-loaded start
        for (int i = 0; i < 16; i++) {
            now.addAndGet(S / 2);
            busy.addAndGet(S / 2);
            m.fraction();
        }
        assertEquals(1.0, m.fraction(), 1e-9);
        // then idle for 2 s: about half of the last ~4 s were busy
        for (int i = 0; i < 4; i++) {
            now.addAndGet(S / 2);
            m.fraction();
        }
        double f = m.fraction();
        assertEquals(0.5, f, 0.1, "got " + f);
    }

    @Test
    void rejectsAnEmptyWindow() {
        assertThrows(IllegalArgumentException.class, () -> new BusyMeter(0, () -> 0, () -> 0));
    }
}
