package ai.baton.kvtransfer;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class LeaseTest {

    @Test
    void expiresOnTheInjectedClockAndReleasesOnce() {
        AtomicLong now = new AtomicLong(1_000);
        AtomicInteger released = new AtomicInteger();
        Lease l = new Lease(new int[] {1, 2}, 500, now::get, x -> released.incrementAndGet());
        assertFalse(l.isExpired());
        now.addAndGet(499);
        assertFalse(l.isExpired());
        l.renew(); // progress: the deadline moves to now + 500
        now.addAndGet(499);
        assertFalse(l.isExpired());
        now.addAndGet(1);
        assertTrue(l.isExpired());
        assertTrue(l.release("expired"));
        assertFalse(l.release("again"));
        assertEquals(1, released.get());
        assertEquals(Lease.State.RELEASED, l.state());
        assertFalse(l.isExpired());
    }

    @Test
    void committedLeaseNeverReleases() {
        AtomicInteger released = new AtomicInteger();
        Lease l = new Lease(new int[] {1}, 10, () -> 0, x -> released.incrementAndGet());
        assertTrue(l.commit());
        assertFalse(l.release("late"));
        assertEquals(0, released.get());
    }
}
