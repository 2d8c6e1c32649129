package ai.baton.decode;

import ai.baton.engine.LlmEngine;
import ai.baton.engine.RequestListener;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.kvtransfer.ucx.UcxRuntime;
import ai.baton.node.kv.UcxKvReceiver;
import ai.baton.node.kv.UcxKvSender;
import ai.baton.prefill.PrefillNode;
import ai.baton.proto.Sampling;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Prefill nodes (TP 1 and 2) and decode nodes (TP 1 and 2) over real gRPC and real kv-transfer, driven as the router
 * drives them: the fixture's exact greedy ids and text through every TP pairing, and many concurrent mixed-length
 * requests equal to a collocated engine's output. After every test every node holds zero KV blocks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DisaggregatedServingTest {
    static PrefillNode[] prefill = new PrefillNode[3];
    static DecodeNode[] decode = new DecodeNode[3];
    static ManagedChannel[] prefillCh = new ManagedChannel[3], decodeCh = new ManagedChannel[3];
    static Router router;

    @BeforeAll
    static void start() {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        router = new Router();
        for (int tp = 1; tp <= 2; tp++) {
            prefill[tp] = Nodes.prefill("p-tp" + tp, tp);
            decode[tp] = Nodes.decode("d-tp" + tp, tp);
            prefillCh[tp] = router.channel(prefill[tp].port());
            decodeCh[tp] = router.channel(decode[tp].port());
        }
    }

    @AfterAll
    static void stop() {
        if (router != null) router.close();
        for (int tp = 1; tp <= 2; tp++) {
            if (prefill[tp] != null) prefill[tp].close();
            if (decode[tp] != null) decode[tp].close();
        }
    }

    @AfterEach
    void everyBlockBack() throws InterruptedException {
        for (int tp = 1; tp <= 2; tp++) assertNoBlocksHeld(prefill[tp], decode[tp]);
    }

    static void assertNoBlocksHeld(PrefillNode p, DecodeNode d) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until && (busy(p) || busy(d))) Thread.sleep(10);
        assertEquals(0, p.engine().stats().kvBlocksUsed(), p.nodeId() + " blocks in use");
        assertEquals(0, p.engine().stats().kvBlocksHeld(), p.nodeId() + " blocks held for sending");
        assertEquals(0, p.inFlight(), p.nodeId() + " prefills in flight");
        assertEquals(0, d.engine().stats().kvBlocksUsed(), d.nodeId() + " blocks in use");
        assertEquals(0, d.pendingReservations(), d.nodeId() + " reservations");
        assertEquals(0, d.reservedBlocks(), d.nodeId() + " reserved blocks");
        assertEquals(0, ((UcxKvReceiver) d.kvReceiver()).heldLeases(), d.nodeId() + " kv-transfer leases");
        assertEquals(0, d.activeStreams(), d.nodeId() + " streams");
    }

    private static boolean busy(PrefillNode p) {
        return p.engine().stats().kvBlocksUsed() > 0 || p.inFlight() > 0;
    }

    private static boolean busy(DecodeNode d) {
        return d.engine().stats().kvBlocksUsed() > 0 || d.pendingReservations() > 0 || d.reservedBlocks() > 0 || d.activeStreams() > 0;
    }

    @ParameterizedTest(name = "prefill TP {0} -> decode TP {1}")
    @CsvSource({"1,1", "1,2", "2,1", "2,2"})
    void fixtureGreedyIdsAndTextThroughEveryTpPair(int prefillTp, int decodeTp) {
        int n = 0;
        for (Fixture.Case c : Fixture.cases()) {
            Router.Result r = router.disaggregated(prefillCh[prefillTp], decodeCh[decodeTp], "fx-" + prefillTp + decodeTp + "-" + n++,
                    c.promptIds(), Router.greedy(20));
            assertArrayEquals(c.greedyIds(), r.tokens(), "greedy ids");
            assertEquals(c.greedyText(), r.text(), "greedy text");
            assertEquals("length", r.finish());
            assertEquals(20, r.completionTokens());
            assertTrue(r.prefill().getKvBytes() > 0, "KV moved");
        }
    }

    @Test
    void localPrefillOnTheDecodeNodeGivesTheFixture() {
        int n = 0;
        for (Fixture.Case c : Fixture.cases()) {
            Router.Result r = router.local(decodeCh[1], "local-" + n++, c.promptIds(), Router.greedy(20));
            assertArrayEquals(c.greedyIds(), r.tokens());
            assertEquals(c.greedyText(), r.text());
        }
    }
}
