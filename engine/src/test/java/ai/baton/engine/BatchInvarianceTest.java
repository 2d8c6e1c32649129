package ai.baton.engine;

import ai.baton.engine.sampling.SamplingParams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request's greedy tokens do not depend on how it was scheduled: alone, in a batch of 16 mixed-length requests,
 * in small prefill chunks, preempted and recomputed, or starting from a prefix-cache hit. Every run must also
 * return every KV block to the pool.
 */
class BatchInvarianceTest {
    private static final Path MODEL = Fixtures.model("qwen3-tiny");
    private static final int N = 16, MAX_TOKENS = 12;
    private static List<int[]> prompts;
    private static List<int[]> alone;

    @BeforeAll
    static void reference() {
        Random rnd = new Random(7);
        prompts = new ArrayList<>();
        int[] shared = rnd.ints(40, 0, 512).toArray();
        for (int i = 0; i < N; i++) {
            int len = 1 + rnd.nextInt(90);
            int[] p = rnd.ints(len, 0, 512).toArray();
            if (i % 4 == 0) { // some share a long prefix, for the prefix cache
                int[] q = new int[shared.length + len];
                System.arraycopy(shared, 0, q, 0, shared.length);
                System.arraycopy(p, 0, q, shared.length, len);
                p = q;
            }
            prompts.add(p);
        }
        alone = new ArrayList<>();
        try (LlmEngine e = engine(256, 4096, false)) {
            for (int[] p : prompts) alone.add(run(e, List.of(p)).getFirst().tokens());
        }
    }

    private static LlmEngine engine(int blocks, int maxBatchTokens, boolean prefixCaching) {
        return LlmEngine.open(EngineConfig.forModel(MODEL).withThreads(2).withKvBlocks(blocks)
                .withMaxBatchTokens(maxBatchTokens).withPrefixCaching(prefixCaching));
    }

    private static List<Collector> run(LlmEngine e, List<int[]> ps) {
        List<Collector> cs = new ArrayList<>();
        for (int[] p : ps) {
            Collector c = new Collector();
            e.submit(null, p, SamplingParams.greedy(MAX_TOKENS).withIgnoreEos(true), c);
            cs.add(c);
        }
        e.runUntilIdle();
        return cs;
    }

    private static void assertSameAsAlone(List<Collector> cs, String how) {
        for (int i = 0; i < N; i++)
            assertArrayEquals(alone.get(i), cs.get(i).tokens(), how + ": request " + i + " " + cs.get(i).outputs.getLast().error());
    }

    @Test
    void batchedTogether() {
        try (LlmEngine e = engine(256, 4096, false)) {
            assertSameAsAlone(run(e, prompts), "batch of 16");
            assertEquals(0, e.stats().kvBlocksUsed());
        }
    }

    @Test
    void chunkedPrefill() {
        try (LlmEngine e = engine(256, 7, false)) { // 7-token budget: every prompt is split into chunks
            assertSameAsAlone(run(e, prompts), "chunked");
            assertEquals(0, e.stats().kvBlocksUsed());
        }
    }

    @Test
    void preemptedAndResumed() {
        try (LlmEngine e = engine(16, 256, true)) { // 16 blocks of 16 tokens: far too few for 16 requests at once
            List<Collector> cs = run(e, prompts);
            assertSameAsAlone(cs, "preempted");
            assertTrue(e.stats().preemptions() > 0, "the pool was small enough to force preemption");
            assertEquals(0, e.stats().kvBlocksUsed());
        }
    }

    @Test
    void prefixCacheHit() {
        try (LlmEngine e = engine(256, 4096, true)) {
            run(e, prompts); // fills the cache
            long hitsBefore = e.stats().prefixHitTokens();
            assertSameAsAlone(run(e, prompts), "prefix cache hit");
            assertTrue(e.stats().prefixHitTokens() > hitsBefore, "second pass hit the prefix cache");
            assertEquals(0, e.stats().kvBlocksUsed());
        }
    }

    @Test
    void cancellationReturnsBlocks() {
        try (LlmEngine e = engine(256, 32, true)) {
            List<Collector> cs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int[] p : prompts) {
                Collector c = new Collector();
                ids.add(e.submit(null, p, SamplingParams.greedy(50).withIgnoreEos(true), c));
                cs.add(c);
            }
            e.step();
            e.step();
            for (int i = 0; i < N; i += 2) e.abort(ids.get(i));
            e.runUntilIdle();
            for (int i = 0; i < N; i++)
                assertEquals(i % 2 == 0 ? FinishReason.ABORT : FinishReason.LENGTH, cs.get(i).finish(), "request " + i);
            assertEquals(0, e.stats().kvBlocksUsed());
        }
    }
}
