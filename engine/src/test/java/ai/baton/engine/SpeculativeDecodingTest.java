package ai.baton.engine;

import ai.baton.engine.sampling.Penalties;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.engine.spec.SpeculativeConfig;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Speculative decoding by n-gram lookup changes how many steps a request takes, never what it outputs: greedy
 * tokens are HF's, and every request (seeded sampling, logprobs, penalties, stops, limits, batches, preemption,
 * a hand-over) gives the same outputs as the same engine without speculation.
 */
class SpeculativeDecodingTest {
    private static final SpeculativeConfig SPEC = new SpeculativeConfig(4, 1, 3);

    private static LlmEngine textEngine(boolean speculate, int kvBlocks) {
        EngineConfig c = EngineConfig.forModel(Fixtures.model("qwen3-text-tiny")).withThreads(2).withKvBlocks(kvBlocks);
        return LlmEngine.open(speculate ? c.withSpeculative(SPEC) : c);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "qwen3-tiny-bf16", "llama3-tiny", "qwen2-tiny"})
    void greedyTokensMatchHuggingFaceWithFewerSteps(String name) {
        Path dir = Fixtures.model(name);
        try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(dir).withThreads(2).withKvBlocks(128).withSpeculative(SPEC))) {
            List<int[]> expected = new ArrayList<>();
            List<Collector> got = new ArrayList<>();
            for (JsonNode c : Fixtures.json(dir.resolve("expected.json")).get("cases")) {
                int[] greedy = Fixtures.ints(c.get("greedy"));
                Collector col = new Collector();
                engine.submit(null, Fixtures.ints(c.get("prompt")), SamplingParams.greedy(greedy.length).withIgnoreEos(true), col);
                expected.add(greedy);
                got.add(col);
            }
            engine.runUntilIdle();
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), got.get(i).tokens(), name + " case " + i);
                assertEquals(FinishReason.LENGTH, got.get(i).finish());
            }
            EngineStats s = engine.stats();
            assertEquals(0, s.kvBlocksUsed(), "every KV block back in the pool");
            assertTrue(s.specAcceptedTokens() > 0 && s.specAcceptedTokens() < s.specDraftTokens(),
                    name + ": drafts both kept and refused: " + s);
            // 5 requests x 24 tokens; the first token of each comes from its prefill step.
            assertEquals(5 * 24, s.generatedTokens());
            // The batch takes as many steps as its slowest request; qwen3-tiny's outputs all repeat, llama3-tiny's case 1 never does.
            assertTrue(name.startsWith("qwen3") ? s.steps() < 24 : s.steps() <= 24, name + ": " + s.steps() + " steps for 24 tokens per request");
        }
    }

    /** Sampling parameters whose outputs must not change with speculation. */
    private static List<SamplingParams> requests() {
        List<SamplingParams> out = new ArrayList<>();
        out.add(SamplingParams.greedy(40).withIgnoreEos(true).withLogprobs(3));
        out.add(SamplingParams.greedy(7).withIgnoreEos(true));  // max_tokens inside a draft
        out.add(SamplingParams.greedy(30).withIgnoreEos(true).withPenalties(new Penalties(0.2, 0.1, 1.1)));
        for (long seed = 1; seed <= 5; seed++) {
            out.add(new SamplingParams(0.3, 0.95, 50, 0, seed, 32, List.of(), List.of(), true, -1));
            out.add(new SamplingParams(1.0, 1, 0, 0, seed, 24, List.of(), List.of(), false, 2));
        }
        out.add(new SamplingParams(0.2, 1, 0, 0, 9L, 40, List.of(), List.of(), true, -1).withMinTokens(10));
        return out;
    }

    private static List<String> transcript(Collector c) {
        List<String> out = new ArrayList<>();
        for (RequestOutput o : c.outputs) {
            TokenLogprobs lp = o.logprobs();
            out.add(o.newToken() + "|" + o.textDelta() + "|" + o.finish() + "|" + o.outputTokens()
                    + (lp == null ? "" : "|" + lp.logprob() + "|" + lp.rank() + "|" + Arrays.toString(lp.topIds()) + Arrays.toString(lp.topLogprobs())));
        }
        return out;
    }

    private static List<List<String>> runAll(LlmEngine engine, List<SamplingParams> params, boolean together) {
        List<Collector> cols = new ArrayList<>();
        for (SamplingParams p : params) {
            Collector c = new Collector();
            engine.submit(null, TextFixtureEngine.CHAT_PROMPT, p, c);
            cols.add(c);
            if (!together) engine.runUntilIdle();
        }
        engine.runUntilIdle();
        return cols.stream().map(SpeculativeDecodingTest::transcript).toList();
    }

    @Test
    void everyOutputIsThePlainEnginesAloneBatchedAndPreempted() {
        List<SamplingParams> params = requests();
        List<List<String>> plain;
        try (LlmEngine e = textEngine(false, 256)) {
            plain = runAll(e, params, false);
        }
        // A stop string taken from a greedy output, so that it ends a request partway through a draft.
        String text = String.join("", plain.getFirst().stream().map(l -> l.split("\\|", -1)[1]).toList());
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        SamplingParams stopped = new SamplingParams(0, 1, 0, 0, null, 40, List.of(), List.of(stop), true, -1);
        List<SamplingParams> all = new ArrayList<>(params);
        all.add(stopped);
        try (LlmEngine e = textEngine(false, 256)) {
            plain = runAll(e, all, false);
        }
        assertTrue(plain.getLast().getLast().contains("STOP"), plain.getLast().toString());
        for (int kv : new int[] {256, 6}) {  // 6 blocks of 16: batched requests preempt each other
            try (LlmEngine e = textEngine(true, kv)) {
                List<List<String>> alone = runAll(e, all, false);
                List<List<String>> batched = runAll(e, all, true);
                for (int i = 0; i < all.size(); i++) {
                    assertEquals(plain.get(i), alone.get(i), "request " + i + " alone, kv " + kv + ": " + all.get(i));
                    assertEquals(plain.get(i), batched.get(i), "request " + i + " batched, kv " + kv + ": " + all.get(i));
                }
                EngineStats s = e.stats();
                assertTrue(s.specAcceptedTokens() > 0, s.toString());
                assertEquals(0, s.kvBlocksUsed());
                if (kv == 6) assertTrue(s.preemptions() > 0, "the small pool preempted: " + s);
            }
        }
    }

    /** Above disable_by_batch_size running sequences nothing is drafted; at or below it, drafting resumes. */
    @Test
    void largeBatchesDoNotDraft() {
        EngineConfig c = EngineConfig.forModel(Fixtures.model("qwen3-text-tiny")).withThreads(2).withKvBlocks(256);
        try (LlmEngine e = LlmEngine.open(c.withSpeculative(new SpeculativeConfig(4, 1, 3, 2)))) {
            List<SamplingParams> three = List.of(SamplingParams.greedy(30).withIgnoreEos(true), SamplingParams.greedy(30).withIgnoreEos(true),
                    SamplingParams.greedy(30).withIgnoreEos(true));
            runAll(e, three, true);
            assertEquals(0, e.stats().specDraftTokens(), "three running, limit two");
            runAll(e, three.subList(0, 2), true);
            assertTrue(e.stats().specAcceptedTokens() > 0, e.stats().toString());
        }
    }

    /**
     * The device-sampling path draws each kept row's random number exactly as a plain step would, and takes each kept
     * row's logprobs there too: rows that verify drafts and want logprobs (without edits) never bring logits to the host.
     */
    @Test
    void deviceSamplingDrawsTheSameNumbers() {
        List<SamplingParams> params = new ArrayList<>();
        for (long seed = 1; seed <= 6; seed++) params.add(new SamplingParams(0.3, 0.9, 20, 0, seed, 32, List.of(), List.of(), true, -1));
        params.add(SamplingParams.greedy(32).withIgnoreEos(true));
        params.add(SamplingParams.greedy(32).withIgnoreEos(true).withLogprobs(3));
        params.add(new SamplingParams(0.3, 0.9, 20, 0, 7L, 32, List.of(), List.of(), true, -1).withLogprobs(0));
        List<List<String>> plain, spec;
        try (LlmEngine e = textEngine(false, 256)) {
            e.sampleOnDevice(true);
            plain = runAll(e, params, true);
        }
        try (LlmEngine e = textEngine(true, 256)) {
            e.sampleOnDevice(true);
            spec = runAll(e, params, true);
            assertTrue(e.stats().specAcceptedTokens() > 0, e.stats().toString());
            assertEquals(0, e.hostLogitSteps(), "no step brought its logits to the host");
        }
        assertEquals(plain, spec);
    }

    @Test
    void aHandedOverRequestSpeculatesLikeACollocatedOne() {
        SamplingParams p = new SamplingParams(0.3, 1, 0, 0, 5L, 32, List.of(), List.of(), true, -1);
        try (LlmEngine e = textEngine(true, 256)) {
            int[] collocated = TextFixtureEngine.run(e, p).tokens();
            int[] handed = TextFixtureEngine.handedOver(e, "spec", p);
            assertArrayEquals(collocated, handed);
            assertEquals(0, e.stats().kvBlocksUsed());
        }
    }

    /** Blocks filled by confirmed draft tokens enter the prefix cache with the right tokens: a follow-up prompt hits them. */
    @Test
    void confirmedDraftsFillThePrefixCacheCorrectly() {
        SamplingParams p = SamplingParams.greedy(48).withIgnoreEos(true);
        try (LlmEngine spec = textEngine(true, 256); LlmEngine plain = textEngine(false, 256)) {
            int[] out = TextFixtureEngine.run(spec, p).tokens();
            int[] followUp = new int[TextFixtureEngine.CHAT_PROMPT.length + out.length];
            System.arraycopy(TextFixtureEngine.CHAT_PROMPT, 0, followUp, 0, TextFixtureEngine.CHAT_PROMPT.length);
            System.arraycopy(out, 0, followUp, TextFixtureEngine.CHAT_PROMPT.length, out.length);
            Collector a = new Collector(), b = new Collector();
            spec.submit(null, followUp, SamplingParams.greedy(8).withIgnoreEos(true), a);
            spec.runUntilIdle();
            plain.submit(null, followUp, SamplingParams.greedy(8).withIgnoreEos(true), b);
            plain.runUntilIdle();
            assertTrue(a.outputs.getFirst().cachedTokens() >= 48, "cached: " + a.outputs.getFirst().cachedTokens());
            assertEquals(transcript(b), transcript(a));
        }
    }
}
