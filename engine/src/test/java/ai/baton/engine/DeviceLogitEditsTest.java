package ai.baton.engine;

import ai.baton.engine.guide.GuideSpec;
import ai.baton.engine.sampling.LogitEdits;
import ai.baton.engine.sampling.Penalties;
import ai.baton.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rows that adjust their logits (penalties, logit bias, min_tokens, guides) edited where the draw happens
 * ({@link LogitEdits}, what a GPU does without bringing the logits to the host) give exactly the host path's tokens.
 * The edits are checked bit for bit against {@link SamplingParams#adjustLogits}, and whole requests through the engine
 * (text fixture, real Qwen3 tokenizer), alone and batched with plain ones, greedy and seeded.
 */
class DeviceLogitEditsTest {
    private static final String SCHEMA = """
            {"type": "object", "properties": {"ok": {"type": "boolean"}, "n": {"type": "integer"}},
             "required": ["ok", "n"], "additionalProperties": false}""";
    private static LlmEngine engine;

    @BeforeAll
    static void open() { engine = TextFixtureEngine.open(); }

    @AfterAll
    static void close() { engine.close(); }

    @Test
    void editsEqualTheHostAdjustmentBitForBit() {
        Random rnd = new Random(5);
        int vocab = 3000;
        Set<Integer> eos = Set.of(7, 2999);
        for (int round = 0; round < 200; round++) {
            int promptLength = 1 + rnd.nextInt(40), length = promptLength + rnd.nextInt(30);
            int[] tokens = new int[length];
            for (int i = 0; i < length; i++) tokens[i] = rnd.nextInt(i % 3 == 0 ? 50 : vocab);  // repeats and spread
            Penalties pen = new Penalties(rnd.nextInt(3) == 0 ? 0 : rnd.nextDouble() * 4 - 2,
                    rnd.nextInt(3) == 0 ? 0 : rnd.nextDouble() * 4 - 2, rnd.nextInt(3) == 0 ? 1 : 0.3 + rnd.nextDouble() * 2);
            Map<Integer, Float> bias = new java.util.HashMap<>();
            if (rnd.nextBoolean()) {
                bias.put(rnd.nextInt(vocab), (float) (rnd.nextGaussian() * 30));
                bias.put(tokens[0], -3.25f);
                bias.put(vocab + 5, 1f);  // past the vocabulary: ignored
            }
            SamplingParams p = SamplingParams.greedy(100).withPenalties(pen).withLogitBias(bias)
                    .withMinTokens(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(40));
            p = new SamplingParams(p.temperature(), p.topP(), p.topK(), p.minP(), p.seed(), p.maxTokens(),
                    List.of(rnd.nextInt(vocab), tokens[length - 1]), List.of(), false, -1, p.penalties(), p.logitBias(),
                    p.minTokens(), false, false);
            float[] raw = new float[vocab];
            for (int t = 0; t < vocab; t++) raw[t] = (float) (rnd.nextGaussian() * 8);
            raw[11] = 0f;
            raw[12] = -0f;
            float[] host = raw.clone();
            p.adjustLogits(host, vocab, i -> tokens[i], promptLength, length, eos);
            LogitEdits e = LogitEdits.of(p, i -> tokens[i], promptLength, length, eos, vocab, null, false);
            if (!p.adjustsLogits(length - promptLength)) {
                assertNull(e);
                continue;
            }
            float[] edited = raw.clone();
            e.applyTo(edited, 0, vocab);
            for (int t = 0; t < vocab; t++)
                assertEquals(Float.floatToIntBits(host[t]), Float.floatToIntBits(edited[t]), "round " + round + ", token " + t);
        }
    }

    @Test
    void aGuideMaskKeepsOnlyAllowedTokensAndAFinishedValueItsRawEos() {
        long[] mask = new long[2];  // a guide vocabulary of 128 tokens: 3, 70 and 99 allowed
        mask[0] |= 1L << 3;
        mask[1] |= 1L << (70 - 64) | 1L << (99 - 64);
        SamplingParams p = SamplingParams.greedy(10).withMinTokens(5).withPenalties(new Penalties(1, 0, 1));
        float[] row = new float[200];
        java.util.Arrays.fill(row, 2f);
        int[] tokens = {1, 2, 70};
        LogitEdits e = LogitEdits.of(p, i -> tokens[i], 2, 3, Set.of(150), 200, mask, true);
        e.applyTo(row, 0, 200);
        for (int t = 0; t < 200; t++) {
            float want = t == 3 || t == 99 ? 2f : t == 70 ? 1f : t == 150 ? 2f : Float.NEGATIVE_INFINITY;
            assertEquals(want, row[t], "token " + t);  // 70 penalised, EOS 150 (past the guide's vocabulary) raw
        }
    }

    /** Requests that adjust their logits, each run on the host path and then edited where the draw happens. */
    @Test
    void engineOutputsEqualTheHostPathAloneAndBatched() {
        int[] plain = TextFixtureEngine.run(engine, SamplingParams.greedy(12).withIgnoreEos(true)).tokens();
        List<SamplingParams> requests = new ArrayList<>();
        requests.add(SamplingParams.greedy(16).withIgnoreEos(true).withPenalties(new Penalties(0.4, 0.3, 1.6)));
        requests.add(sampled(3).withPenalties(new Penalties(1.5, 0, 1.2)));
        requests.add(SamplingParams.greedy(8).withIgnoreEos(true).withLogitBias(Map.of(plain[1], -100f, 1234, 4.5f)));
        requests.add(new SamplingParams(0, 1, 0, 0, null, 20, List.of(plain[2]), List.of(), false, -1).withMinTokens(8));
        requests.add(SamplingParams.greedy(48).withGuide(GuideSpec.jsonSchema(SCHEMA)));
        requests.add(sampled(9).withMaxTokens(48).withGuide(GuideSpec.jsonSchema(SCHEMA)).withPenalties(new Penalties(0, 0.5, 1)));
        requests.add(SamplingParams.greedy(16).withMinTokens(12).withGuide(GuideSpec.choice(List.of("yes", "no"))));
        requests.add(SamplingParams.greedy(12).withIgnoreEos(true));  // plain, beside the others when batched

        List<int[]> host = new ArrayList<>();
        for (SamplingParams p : requests) host.add(TextFixtureEngine.run(engine, p).tokens());
        List<int[]> hostBatched = batched(requests);

        long before = engine.hostLogitSteps();
        engine.sampleOnDevice(true);
        try {
            for (int i = 0; i < requests.size(); i++)
                assertArrayEquals(host.get(i), TextFixtureEngine.run(engine, requests.get(i)).tokens(), "request " + i + " alone");
            List<int[]> device = batched(requests);
            for (int i = 0; i < requests.size(); i++)
                assertArrayEquals(hostBatched.get(i), device.get(i), "request " + i + " batched");
        } finally {
            engine.sampleOnDevice(false);
        }
        assertEquals(before, engine.hostLogitSteps(), "no step brought its logits to the host");
        assertTrue(host.get(3).length >= 8, "min_tokens held the stop token back");
        assertEquals(0, engine.stats().kvBlocksUsed());
    }

    /**
     * Logprobs of the drawn tokens come from where the draw happens too, from the raw logits, also for rows edited in
     * place (their raw row is saved first): equal to the host path's, and no step brings its logits to the host.
     */
    @Test
    void logprobsEqualTheHostPathEditedOrNot() {
        List<SamplingParams> requests = List.of(
                new SamplingParams(0, 1, 0, 0, null, 10, List.of(), List.of(), true, 5),
                new SamplingParams(0.8, 0.9, 0, 0, 4L, 10, List.of(), List.of(), true, 0),
                sampled(3).withPenalties(new Penalties(1.5, 0, 1.2)).withLogprobs(3),
                SamplingParams.greedy(12).withGuide(GuideSpec.jsonSchema(SCHEMA)).withLogprobs(2),
                SamplingParams.greedy(10).withIgnoreEos(true));
        List<List<RequestOutput>> host = new ArrayList<>();
        for (SamplingParams p : requests) host.add(TextFixtureEngine.run(engine, p).outputs);
        long before = engine.hostLogitSteps();
        engine.sampleOnDevice(true);
        try {
            for (int i = 0; i < requests.size(); i++) {
                List<RequestOutput> device = TextFixtureEngine.run(engine, requests.get(i)).outputs;
                assertEquals(host.get(i).size(), device.size());
                for (int k = 0; k < device.size(); k++) {
                    RequestOutput h = host.get(i).get(k), d = device.get(k);
                    assertEquals(h.newToken(), d.newToken(), "request " + i + ", output " + k);
                    if (h.logprobs() == null) {
                        assertNull(d.logprobs());
                        continue;
                    }
                    assertEquals(h.logprobs().logprob(), d.logprobs().logprob(), "request " + i + ", output " + k);
                    assertEquals(h.logprobs().rank(), d.logprobs().rank());
                    assertArrayEquals(h.logprobs().topIds(), d.logprobs().topIds());
                    assertArrayEquals(h.logprobs().topLogprobs(), d.logprobs().topLogprobs());
                }
            }
            assertEquals(before, engine.hostLogitSteps(), "logprobs are taken where the draw happens");
        } finally {
            engine.sampleOnDevice(false);
        }
    }

    private static SamplingParams sampled(long seed) {
        return new SamplingParams(0.9, 0.95, 40, 0, seed, 16, List.of(), List.of(), true, -1);
    }

    private static List<int[]> batched(List<SamplingParams> requests) {
        List<Collector> cs = new ArrayList<>();
        for (SamplingParams p : requests) {
            Collector c = new Collector();
            engine.submit(null, TextFixtureEngine.CHAT_PROMPT, p, c);
            cs.add(c);
        }
        engine.runUntilIdle();
        List<int[]> out = new ArrayList<>();
        for (Collector c : cs) out.add(c.tokens());
        return out;
    }
}
