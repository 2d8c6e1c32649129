package ai.baton.engine;

import ai.baton.engine.sampling.Penalties;
import ai.baton.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stop conditions, seeds and logprobs through the whole engine, on the text fixture (real Qwen3 tokenizer). */
class EngineSamplingTest {
    private static LlmEngine engine;
    private static final int[] PROMPT = TextFixtureEngine.CHAT_PROMPT;

    @BeforeAll
    static void open() { engine = TextFixtureEngine.open(); }

    @AfterAll
    static void close() { engine.close(); }

    private static Collector run(SamplingParams p) { return TextFixtureEngine.run(engine, p); }

    private static SamplingParams sampled(long seed) {
        return new SamplingParams(1.0, 0.95, 50, 0, seed, 16, List.of(), List.of(), true, -1);
    }

    @Test
    void seedReproducesAloneAndInABatch() {
        int[] alone = run(sampled(7)).tokens();
        List<Collector> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Collector c = new Collector();
            engine.submit(null, PROMPT, i == 3 ? sampled(7) : sampled(100 + i), c);
            batch.add(c);
        }
        engine.runUntilIdle();
        assertArrayEquals(alone, batch.get(3).tokens());
        assertFalse(java.util.Arrays.equals(alone, batch.get(0).tokens()), "different seeds differ");
    }

    /** A seeded request handed over after a one-token prefill samples the same tokens as when run in one piece. */
    @Test
    void seededHandoverMatchesCollocated() {
        SamplingParams p = sampled(11);
        int[] collocated = run(p).tokens();
        assertArrayEquals(collocated, TextFixtureEngine.handedOver(engine, "seeded-11", p));
        assertEquals(0, engine.stats().kvBlocksUsed());
    }

    @Test
    void stopStringEndsTheTextBeforeIt() {
        Collector full = run(SamplingParams.greedy(20).withIgnoreEos(true));
        String text = full.text();
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        int at = text.indexOf(stop);
        assertTrue(at > 0, text);
        SamplingParams p = new SamplingParams(0, 1, 0, 0, null, 20, List.of(), List.of(stop), true, -1);
        Collector c = run(p);
        assertEquals(FinishReason.STOP, c.finish());
        assertEquals(text.substring(0, at), c.text());
    }

    @Test
    void stopTokenIdAndMaxTokens() {
        int[] greedy = run(SamplingParams.greedy(20).withIgnoreEos(true)).tokens();
        SamplingParams p = new SamplingParams(0, 1, 0, 0, null, 20, List.of(greedy[3]), List.of(), true, -1);
        Collector c = run(p);
        assertEquals(FinishReason.STOP, c.finish());
        int first = 0;
        while (greedy[first] != greedy[3]) first++;
        assertEquals(first + 1, c.tokens().length, "the stop token is the last one returned");
        Collector m = run(SamplingParams.greedy(5).withIgnoreEos(true));
        assertEquals(FinishReason.LENGTH, m.finish());
        assertEquals(5, m.tokens().length);
    }

    @Test
    void logprobsOfChosenAndTopTokens() {
        SamplingParams p = new SamplingParams(0, 1, 0, 0, null, 4, List.of(), List.of(), true, 5);
        Collector c = run(p);
        for (RequestOutput o : c.outputs) {
            if (o.newToken() < 0) continue;
            assertNotNull(o.logprobs());
            assertEquals(5, o.logprobs().topIds().length);
            assertEquals(o.newToken(), o.logprobs().topIds()[0], "greedy picks the most likely");
            assertTrue(o.logprobs().logprob() <= 0);
        }
        assertEquals(0, engine.stats().kvBlocksUsed());
    }

    /**
     * Greedy with each penalty alone and all three together: each token is the argmax of the model's raw logits for
     * the prefix (one forward pass of prompt + output so far, straight through the model), penalised as HF and OpenAI
     * define it. Also with device sampling on, which penalties must bypass.
     */
    @Test
    void penalisedGreedyFollowsTheFormulasStepByStep() {
        int[] plain = run(SamplingParams.greedy(12).withIgnoreEos(true)).tokens();
        try (RawLogits model = new RawLogits(Fixtures.model("qwen3-text-tiny"))) {
            for (Penalties pen : List.of(new Penalties(2, 0, 1), new Penalties(0, 1.5, 1), new Penalties(0, 0, 1.6),
                    new Penalties(0.4, 0.3, 1.6))) {
                SamplingParams p = SamplingParams.greedy(12).withIgnoreEos(true).withPenalties(pen);
                int[] out = run(p).tokens();
                assertFalse(java.util.Arrays.equals(plain, out), pen + " changed nothing");
                engine.sampleOnDevice(true);
                try {
                    assertArrayEquals(out, run(p).tokens(), pen + ", device-sampling engine");
                } finally {
                    engine.sampleOnDevice(false);
                }
                for (int k = 0; k < out.length; k++) {
                    int[] seq = new int[PROMPT.length + k];
                    System.arraycopy(PROMPT, 0, seq, 0, PROMPT.length);
                    System.arraycopy(out, 0, seq, PROMPT.length, k);
                    double[] ref = penalised(model.last(seq), pen, java.util.Arrays.copyOf(out, k));
                    int best = 0;
                    for (int t = 1; t < ref.length; t++) if (ref[t] > ref[best]) best = t;
                    assertTrue(out[k] == best || ref[best] - ref[out[k]] < 1e-4,
                            pen + " step " + k + ": engine " + out[k] + " (" + ref[out[k]] + "), reference " + best + " (" + ref[best] + ")");
                }
            }
        }
    }

    @Test
    void logitBiasForcesAndBansTokens() {
        int[] plain = run(SamplingParams.greedy(6).withIgnoreEos(true)).tokens();
        int forced = (plain[0] + 1000) % 5000 + 100;
        int[] all = run(SamplingParams.greedy(6).withIgnoreEos(true).withLogitBias(java.util.Map.of(forced, 100f))).tokens();
        for (int t : all) assertEquals(forced, t, "a +100 bias wins every greedy step");
        int[] banned = run(SamplingParams.greedy(1).withIgnoreEos(true).withLogitBias(java.util.Map.of(plain[0], -100f))).tokens();
        try (RawLogits model = new RawLogits(Fixtures.model("qwen3-text-tiny"))) {
            float[] l = model.last(PROMPT);
            int second = -1;
            for (int t = 0; t < l.length; t++) if (t != plain[0] && (second < 0 || l[t] > l[second])) second = t;
            assertEquals(second, banned[0], "with the greedy token biased by -100 the runner-up is chosen");
        }
    }

    @Test
    void minTokensHoldsBackStopTokensAndStopStrings() {
        int[] plain = run(SamplingParams.greedy(20).withIgnoreEos(true)).tokens();
        int stopId = plain[2];
        int firstStop = 0;
        while (plain[firstStop] != stopId) firstStop++;
        SamplingParams stopAt = new SamplingParams(0, 1, 0, 0, null, 20, List.of(stopId), List.of(), true, -1);
        assertEquals(firstStop + 1, run(stopAt).tokens().length);
        int[] held = run(stopAt.withMinTokens(8)).tokens();
        assertTrue(held.length >= 8, "min_tokens 8 gave " + held.length);
        for (int i = 0; i < 8; i++) assertTrue(held[i] != stopId, "stop token at " + i + " before min_tokens");

        String text = run(SamplingParams.greedy(20).withIgnoreEos(true)).text();
        String stop = text.substring(2, 4);
        SamplingParams stopStr = new SamplingParams(0, 1, 0, 0, null, 20, List.of(), List.of(stop), true, -1);
        Collector early = run(stopStr), late = run(stopStr.withMinTokens(10));
        assertTrue(late.tokens().length >= 10 && late.text().length() > early.text().length(), early.text() + " | " + late.text());
    }

    @Test
    void earliestStopStringWinsAndCanBeKept() {
        String text = run(SamplingParams.greedy(20).withIgnoreEos(true)).text();
        String earlier = text.substring(3, 5), later = text.substring(text.length() - 4, text.length() - 2);
        int at = text.indexOf(earlier);
        assertTrue(at >= 0 && text.indexOf(later) > at, text);
        SamplingParams p = new SamplingParams(0, 1, 0, 0, null, 20, List.of(), List.of(later, earlier), true, -1);
        assertEquals(text.substring(0, at), run(p).text());
        assertEquals(text.substring(0, at + earlier.length()), run(p.withIncludeStopStr(true)).text());
    }

    /**
     * skip_special_tokens false: special tokens are text, except the EOS that ends the sequence, which is text only
     * with include_stop_str_in_output (as in vLLM). By default special tokens are never text.
     */
    @Test
    void specialTokensAreTextOnlyWhenKept() {
        int imStart = 151644, imEnd = 151645;  // both special; <|im_end|> is the fixture's EOS
        SamplingParams forced = SamplingParams.greedy(3).withIgnoreEos(true).withLogitBias(java.util.Map.of(imStart, 100f));
        assertArrayEquals(new int[]{imStart, imStart, imStart}, run(forced).tokens());
        assertEquals("", run(forced).text());
        assertEquals("<|im_start|><|im_start|><|im_start|>", run(forced.withKeepSpecialTokens(true)).text());

        SamplingParams eos = SamplingParams.greedy(3).withLogitBias(java.util.Map.of(imEnd, 100f)).withKeepSpecialTokens(true);
        Collector stopped = run(eos);
        assertArrayEquals(new int[]{imEnd}, stopped.tokens());
        assertEquals("", stopped.text());
        assertEquals("<|im_end|>", run(eos.withIncludeStopStr(true)).text());
    }

    /** The formulas written out: HF's repetition penalty over prompt and output, OpenAI's over the output. */
    private static double[] penalised(float[] logits, Penalties pen, int[] output) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int t : output) counts.merge(t, 1, Integer::sum);
        java.util.Set<Integer> seen = new java.util.HashSet<>(counts.keySet());
        for (int t : PROMPT) seen.add(t);
        double[] out = new double[logits.length];
        for (int t = 0; t < logits.length; t++) {
            double v = logits[t];
            if (seen.contains(t)) v = v > 0 ? v / pen.repetition() : v * pen.repetition();
            int c = counts.getOrDefault(t, 0);
            out[t] = v - pen.frequency() * c - (c > 0 ? pen.presence() : 0);
        }
        return out;
    }
}
