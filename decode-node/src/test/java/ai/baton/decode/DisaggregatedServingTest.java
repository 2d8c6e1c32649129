package ai.baton.decode;

import ai.baton.engine.LlmEngine;
import ai.baton.engine.RequestListener;
import ai.baton.engine.RequestOutput;
import ai.baton.kvtransfer.ucx.UcxRuntime;
import ai.baton.node.kv.UcxKvReceiver;
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
    static LlmEngine reference; // collocated: a plain engine stepped by the test thread

    @BeforeAll
    static void start() {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        router = new Router();
        reference = Nodes.engine(1);
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
        if (reference != null) reference.close();
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

    private static final java.util.concurrent.atomic.AtomicInteger REF_IDS = new java.util.concurrent.atomic.AtomicInteger();

    /** Runs prompts through a plain engine, all at once: the collocated reference. */
    static List<Router.Result> collocated(List<int[]> prompts, List<Sampling> sampling) {
        List<StringBuilder> texts = new ArrayList<>();
        List<List<Integer>> tokens = new ArrayList<>();
        List<String[]> finish = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            StringBuilder t = new StringBuilder();
            List<Integer> ids = new ArrayList<>();
            String[] f = {""};
            texts.add(t);
            tokens.add(ids);
            finish.add(f);
            RequestListener l = (RequestOutput o) -> {
                if (o.newToken() >= 0) ids.add(o.newToken());
                t.append(o.textDelta());
                if (o.finished()) f[0] = o.finish().openAi;
            };
            reference.submit("ref-" + REF_IDS.incrementAndGet(), prompts.get(i), ai.baton.node.Protos.sampling(sampling.get(i)), l);
        }
        reference.runUntilIdle();
        List<Router.Result> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++)
            out.add(new Router.Result(tokens.get(i).stream().mapToInt(Integer::intValue).toArray(), texts.get(i).toString(),
                    finish.get(i)[0], tokens.get(i).size(), null));
        return out;
    }

    @Test
    void concurrentMixedRequestsEqualCollocatedOutput() throws Exception {
        Random rnd = new Random(7);
        int[][] prefixes = new int[3][];
        for (int i = 0; i < prefixes.length; i++) prefixes[i] = randomTokens(rnd, 20 + 24 * i);
        List<int[]> prompts = new ArrayList<>();
        List<Sampling> sampling = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int[] prefix = i % 4 == 3 ? new int[0] : prefixes[rnd.nextInt(prefixes.length)];
            int[] tail = randomTokens(rnd, 1 + rnd.nextInt(i % 8 == 0 ? 200 : 40));
            int[] p = new int[prefix.length + tail.length];
            System.arraycopy(prefix, 0, p, 0, prefix.length);
            System.arraycopy(tail, 0, p, prefix.length, tail.length);
            prompts.add(p);
            sampling.add(Router.greedy(1 + rnd.nextInt(24)).toBuilder().setIgnoreEos(i % 3 != 0).build());
        }
        List<Router.Result> expected = collocated(prompts, sampling);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<CompletableFuture<Router.Result>> got = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                int idx = i, p = 1 + rnd.nextInt(2), d = 1 + rnd.nextInt(2);
                boolean local = rnd.nextInt(4) == 0;
                got.add(CompletableFuture.supplyAsync(() -> local
                        ? router.local(decodeCh[d], "mix-" + idx, prompts.get(idx), sampling.get(idx))
                        : router.disaggregated(prefillCh[p], decodeCh[d], "mix-" + idx, prompts.get(idx), sampling.get(idx)), pool));
            }
            for (int i = 0; i < prompts.size(); i++) {
                Router.Result r = got.get(i).get(60, TimeUnit.SECONDS);
                assertArrayEquals(expected.get(i).tokens(), r.tokens(), "request " + i + " tokens");
                assertEquals(expected.get(i).text(), r.text(), "request " + i + " text");
                assertEquals(expected.get(i).finish(), r.finish(), "request " + i + " finish");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "stop {0}")
    @CsvSource(delimiter = '|', value = {"name", "nameX", "вле", " persuasion"})
    void stopStringsGiveTheCollocatedText(String stop) {
        int[] prompt = Fixture.cases().getFirst().promptIds();
        Sampling s = Router.greedy(20).toBuilder().addStop(stop).build();
        Router.Result expected = collocated(List.of(prompt), List.of(s)).getFirst();
        Router.Result r = router.disaggregated(prefillCh[1], decodeCh[2], "stop-" + stop.hashCode(), prompt, s);
        assertEquals(expected.text(), r.text());
        assertArrayEquals(expected.tokens(), r.tokens());
        assertEquals(expected.finish(), r.finish());
    }

    @Test
    void prefixCacheServesARepeatedPrompt() {
        int[] prompt = randomTokens(new Random(3), 100);
        Router.Result first = router.disaggregated(prefillCh[1], decodeCh[1], "pc-1", prompt, Router.greedy(5));
        Router.Result second = router.disaggregated(prefillCh[1], decodeCh[1], "pc-2", prompt, Router.greedy(5));
        assertEquals(0, first.prefill().getCachedTokens());
        assertEquals(96, second.prefill().getCachedTokens(), "six full blocks of 16 come from the prefix cache");
        assertArrayEquals(first.tokens(), second.tokens());
        assertTrue(prefill[1].metrics().scrape().contains("baton:prefix_cache_hits_total{model_name=\"qwen3-text-tiny\"}"));
    }

    static int[] randomTokens(Random rnd, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rnd.nextInt(150_000);
        return t;
    }
}
