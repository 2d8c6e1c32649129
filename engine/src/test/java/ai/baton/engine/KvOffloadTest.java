package ai.baton.engine;

import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host tier behind the prefix cache (--kv-offload-mib): blocks the pool evicts are kept in host memory and copied
 * back for a later request with the same prefix. What comes back must be exactly what was computed, so every output is
 * checked against Hugging Face's greedy tokens, however the pool and the tier were shuffled before.
 */
class KvOffloadTest {
    private static final Path MODEL = Fixtures.model("qwen3-tiny");
    private static final List<JsonNode> CASES = new ArrayList<>();

    static {
        Fixtures.json(MODEL.resolve("expected.json")).get("cases").forEach(CASES::add);
    }

    private static EngineConfig config(int kvBlocks, long offloadBytes) {
        return EngineConfig.forModel(MODEL).withThreads(2).withKvBlocks(kvBlocks).withKvOffloadBytes(offloadBytes);
    }

    /** Runs fixture case {@code i} alone and checks its greedy tokens against HF's. */
    private static void runCase(LlmEngine engine, int i) {
        int[] greedy = Fixtures.ints(CASES.get(i).get("greedy"));
        Collector c = new Collector();
        engine.submit("case-" + i + "-" + System.nanoTime(), Fixtures.ints(CASES.get(i).get("prompt")),
                SamplingParams.greedy(greedy.length).withIgnoreEos(true), c);
        engine.runUntilIdle();
        assertArrayEquals(greedy, c.tokens(), "case " + i);
    }

    /** Prompt tokens served from a cache (pool or tier) while running {@code i}. */
    private static long prefixHitsOf(LlmEngine engine, int i) {
        long before = engine.stats().prefixHitTokens();
        runCase(engine, i);
        return engine.stats().prefixHitTokens() - before;
    }

    @Test
    void anEvictedPrefixComesBackFromHostMemory() {
        // Case 4: a 203-token prompt, 12 full blocks to reuse; case 3 then takes 6 of the 16 blocks.
        long withTier, withoutTier;
        try (LlmEngine engine = LlmEngine.open(config(16, 1 << 20))) {
            runCase(engine, 4);
            runCase(engine, 3);
            assertTrue(engine.stats().offloadSavedBlocks() > 0, "case 3 evicted cached blocks of case 4 into the tier");
            long offloadBefore = engine.stats().offloadHitTokens();
            withTier = prefixHitsOf(engine, 4);
            assertTrue(engine.stats().offloadHitTokens() - offloadBefore > 0, "part of the prefix came from the tier");
            assertEquals(128, engine.stats().offloadBlocksTotal(), "1 MiB of 8 KiB slots (2 layers, K and V, 2 KiB each)");
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
        try (LlmEngine engine = LlmEngine.open(config(16, 0))) {
            runCase(engine, 4);
            runCase(engine, 3);
            withoutTier = prefixHitsOf(engine, 4);
            assertEquals(0, engine.stats().offloadBlocksTotal());
        }
        assertEquals(12 * 16, withTier, "the whole cacheable prefix is reused");
        assertTrue(withoutTier < withTier, "without the tier the evicted part is recomputed: " + withoutTier);
    }

    @Test
    void blocksReservedForARemoteWriterAreSavedBeforeItWrites() {
        try (LlmEngine engine = LlmEngine.open(config(16, 1 << 20))) {
            runCase(engine, 4);
            // A decode node reserves every block for a remote prefill, which overwrites them all; the tier must have
            // taken its copies before the reservation was handed out.
            int[] reserved = engine.reserveBlocks(16 * 16);
            assertEquals(16, reserved.length);
            scribble(engine.runner().kvCache(0), reserved);
            engine.releaseBlocks(reserved);
            long offloadBefore = engine.stats().offloadHitTokens();
            assertEquals(12 * 16, prefixHitsOf(engine, 4));
            assertEquals(12 * 16, engine.stats().offloadHitTokens() - offloadBefore, "all of it from the tier");
        }
    }

    @Test
    void manyRequestsOnATinyPoolMatchHuggingFace() {
        manyRequests(1);
    }

    @Test
    void eachTensorParallelRankKeepsItsOwnShare() {
        manyRequests(2);
    }

    /** Rounds of all five cases at once in shuffled orders, on a pool that holds little more than the longest. */
    private static void manyRequests(int tp) {
        try (LlmEngine engine = LlmEngine.open(config(20, 1 << 20).withTensorParallel(tp).withMaxSequences(3))) {
            Random random = new Random(7);
            List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4));
            for (int round = 0; round < 4; round++) {
                Collections.shuffle(order, random);
                List<Collector> got = new ArrayList<>();
                for (int i : order) {
                    Collector c = new Collector();
                    engine.submit("r" + round + "-" + i, Fixtures.ints(CASES.get(i).get("prompt")),
                            SamplingParams.greedy(Fixtures.ints(CASES.get(i).get("greedy")).length).withIgnoreEos(true), c);
                    got.add(c);
                }
                engine.runUntilIdle();
                for (int k = 0; k < order.size(); k++)
                    assertArrayEquals(Fixtures.ints(CASES.get(order.get(k)).get("greedy")), got.get(k).tokens(),
                            "tp " + tp + " round " + round + " case " + order.get(k));
            }
            assertTrue(engine.stats().offloadHitTokens() > 0, "the tier served some prefixes");
            assertEquals(0, engine.stats().kvBlocksUsed(), "every pool block returned");
        }
    }

    @Test
    void aTierTooSmallForOneBlockIsAOneLineError() {
        EngineException e = assertThrows(EngineException.class, () -> LlmEngine.open(config(16, 1000)));
        assertEquals("--kv-offload-mib is too small: one KV block of every layer takes 1 MiB", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> config(16, -1));
    }

    /** Writes large values over every layer's K and V of the blocks, as a remote prefill of other tokens would. */
    private static void scribble(KvCacheStorage kv, int[] blocks) {
        KvLayout l = kv.layout();
        long n = l.blockBytesPerLayer();
        for (int layer = 0; layer < l.numLayers(); layer++)
            for (MemorySegment region : new MemorySegment[]{kv.keys(layer), kv.values(layer)})
                for (int b : blocks)
                    for (long at = b * n; at < (b + 1) * n; at += 4) region.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, 1000f);
    }
}
