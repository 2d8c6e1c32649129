package ai.baton.kvtransfer;

import ai.baton.kvtransfer.ucx.UcxRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Leases and timeouts on an injected clock: nothing here sleeps to make time pass. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LeaseExpiryTest {

    private static KvAgent agent(String name, AtomicLong clock) {
        return KvAgent.create(KvAgentConfig.builder().name(name).clock(clock::get).reapInterval(Duration.ofHours(1))
                .leaseDuration(Duration.ofSeconds(5)).cancelGrace(Duration.ofSeconds(2)).transferTimeout(Duration.ofSeconds(10)).build());
    }

    @Test
    void reservationThatNeverReceivesKvIsReleasedWhenTheLeaseRunsOut() {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        AtomicLong clock = new AtomicLong();
        try (KvAgent a = agent("decode", clock)) {
            KvPool pool = a.allocateHostPool(KvPoolLayout.of(2, 8, 4, 2, 8, 4, KvLayout.HND));
            AtomicReference<Lease> freed = new AtomicReference<>();
            InboundTransfer in = a.expectTransfer(pool, 1, new int[] {1, 2}, freed::set);
            clock.addAndGet(Duration.ofMillis(4999).toNanos());
            a.reapNow();
            assertEquals(TransferState.WAITING, in.state());
            assertEquals(1, a.heldLeases());
            clock.addAndGet(Duration.ofMillis(1).toNanos());
            a.reapNow();
            assertEquals(TransferState.FAILED, in.state());
            assertNotNull(freed.get(), "no sender was admitted, so the blocks are freed at once");
            assertArrayEquals(new int[] {1, 2}, freed.get().blocks());
            assertTrue(in.failure().contains("lease expired"));
            assertEquals(0, a.heldLeases());
            assertEquals(1, a.metrics().get(KvMetrics.Event.LEASES_EXPIRED));
            assertThrows(KvTransferException.class, () -> in.await(Duration.ofMillis(10)));
        }
    }

    @Test
    void stalledSenderIsCancelledAndTheBlocksFreedAfterItConfirms() throws Exception {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        AtomicLong recvClock = new AtomicLong(), sendClock = new AtomicLong();
        try (KvAgent recv = agent("decode", recvClock); KvAgent send = agent("prefill", sendClock)) {
            KvPoolLayout layout = KvPoolLayout.of(3, 8, 4, 2, 8, 4, KvLayout.HND);
            KvPool dst = recv.allocateHostPool(layout), src = send.allocateHostPool(layout);
            AtomicReference<Lease> freed = new AtomicReference<>();
            InboundTransfer in = recv.expectTransfer(dst, 2, new int[] {0, 1}, freed::set);
            KvTransfer t = send.startTransfer(src, List.of(in.descriptor()), new int[] {3, 4});
            t.sendLayer(0);
            in.awaitLayer(0, Duration.ofSeconds(10));       // layer 0 arrives, then the prefill stalls
            recvClock.addAndGet(Duration.ofSeconds(6).toNanos());
            recv.reapNow();
            assertEquals(TransferState.FAILED, in.state());
            // The sender is told to stop, confirms, and only then are the blocks released (before the grace period).
            assertThrows(KvTransferException.class, () -> t.await(Duration.ofSeconds(10)));
            assertTrue(t.failure().contains("lease expired"), t.failure());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (freed.get() == null && System.nanoTime() < deadline) Thread.sleep(5);
            assertNotNull(freed.get());
            assertEquals(0, recv.heldLeases());
        }
    }

    @Test
    void senderTimesOutOnItsOwnClock() throws Exception {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        AtomicLong recvClock = new AtomicLong(), sendClock = new AtomicLong();
        try (KvAgent recv = agent("decode", recvClock); KvAgent send = agent("prefill", sendClock)) {
            KvPoolLayout layout = KvPoolLayout.of(2, 8, 4, 2, 8, 4, KvLayout.HND);
            KvPool dst = recv.allocateHostPool(layout), src = send.allocateHostPool(layout);
            AtomicReference<Lease> freed = new AtomicReference<>();
            InboundTransfer in = recv.expectTransfer(dst, 2, new int[] {0}, freed::set);
            KvTransfer t = send.startTransfer(src, List.of(in.descriptor()), new int[] {3});
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t.state() == TransferState.BOOTSTRAPPING && System.nanoTime() < deadline) Thread.sleep(2);
            assertEquals(TransferState.WAITING, t.state(), "admitted, waiting for the first layer");
            sendClock.addAndGet(Duration.ofSeconds(11).toNanos());
            send.reapNow();
            assertEquals(TransferState.FAILED, t.state());
            assertTrue(t.failure().contains("timed out"));
            // The receiver hears the abort and frees the blocks.
            while (freed.get() == null && System.nanoTime() < deadline) Thread.sleep(5);
            assertNotNull(freed.get());
            assertTrue(in.failure().contains("aborted"), in.failure());
        }
    }
}
