package ai.baton.engine;

import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prompt logprobs (vLLM's prompt_logprobs) against Hugging Face: the fixtures' {@code all_logits} of the 17-token prompt
 * hold the logits after every position, so log_softmax(all_logits[p - 1])[prompt[p]] is prompt token p's reference.
 */
class PromptLogprobsTest {
    private static final int TOP = 3;

    private record Reference(int[] prompt, float[][] allLogits, int[] greedy) {}

    private static Reference reference(String model) {
        for (JsonNode c : Fixtures.json(Fixtures.model(model).resolve("expected.json")).get("cases")) {
            if (!c.has("all_logits")) continue;
            float[][] all = new float[c.get("all_logits").size()][];
            for (int p = 0; p < all.length; p++) all[p] = Fixtures.floats(c.get("all_logits").get(p));
            return new Reference(Fixtures.ints(c.get("prompt")), all, Fixtures.ints(c.get("greedy")));
        }
        throw new AssertionError(model + " has no case with all_logits");
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : logits) max = Math.max(max, v);
        for (float v : logits) sum += Math.exp(v - max);
        double logZ = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < out.length; i++) out[i] = logits[i] - logZ;
        return out;
    }

    /** Every prompt token's logprob, rank and top alternatives as HF's logits give them (fp32 CPU math: 1e-3 in logprob). */
    private static void assertMatchesReference(Reference ref, List<TokenLogprobs> got, String what) {
        assertNotNull(got, what + ": the first output carries the prompt logprobs");
        assertEquals(ref.prompt.length, got.size(), what);
        assertNull(got.getFirst(), what + ": the first prompt token has no logprob");
        for (int p = 1; p < ref.prompt.length; p++) {
            double[] hf = logSoftmax(ref.allLogits[p - 1]);
            TokenLogprobs lp = got.get(p);
            int token = ref.prompt[p];
            assertEquals(token, lp.token(), what + " position " + p);
            assertEquals(hf[token], lp.logprob(), 1e-3, what + " position " + p);
            int surelyAbove = 0, maybeAbove = 0;  // tokens within 1e-4 of it may rank either side (float ties)
            for (int i = 0; i < hf.length; i++) {
                if (hf[i] > hf[token] + 1e-4) surelyAbove++;
                if (hf[i] > hf[token] - 1e-4 && i != token) maybeAbove++;
            }
            assertTrue(lp.rank() >= surelyAbove + 1 && lp.rank() <= maybeAbove + 1,
                    what + " rank at position " + p + ": " + lp.rank() + " not in [" + (surelyAbove + 1) + ", " + (maybeAbove + 1) + "]");
            double[] sorted = Arrays.stream(hf).map(v -> -v).sorted().map(v -> -v).toArray();
            assertEquals(TOP, lp.topIds().length, what);
            for (int k = 0; k < TOP; k++) {
                assertEquals(sorted[k], lp.topLogprobs()[k], 1e-3, what + " top " + k + " at position " + p);
                assertEquals(hf[lp.topIds()[k]], lp.topLogprobs()[k], 1e-3, what + " top id " + k + " at position " + p);
            }
        }
    }

    private static Collector submit(LlmEngine engine, int[] prompt, SamplingParams p) {
        Collector c = new Collector();
        engine.submit(null, prompt, p, c);
        return c;
    }

    private static List<TokenLogprobs> promptLogprobs(Collector c) {
        return c.outputs.stream().filter(o -> o.promptLogprobs() != null).findFirst().map(RequestOutput::promptLogprobs).orElse(null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama3-tiny", "qwen2-tiny"})
    void matchHuggingFaceInOneChunkAndInMany(String model) {
        Reference ref = reference(model);
        for (int maxBatchTokens : new int[]{2048, 5}) {
            try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(Fixtures.model(model)).withThreads(2).withKvBlocks(64)
                    .withMaxBatchTokens(maxBatchTokens))) {
                Collector c = submit(engine, ref.prompt, SamplingParams.greedy(4).withIgnoreEos(true).withPromptLogprobs(TOP));
                engine.runUntilIdle();
                String what = model + " with steps of " + maxBatchTokens + " tokens";
                assertMatchesReference(ref, promptLogprobs(c), what);
                assertArrayEquals(Arrays.copyOf(ref.greedy, 4), c.tokens(), what + ": generation goes on as without them");
                assertEquals(1, c.outputs.stream().filter(o -> o.promptLogprobs() != null).count(), what + ": sent once");
                assertEquals(0, engine.stats().kvBlocksUsed(), what);
            }
        }
    }

    /** Batched beside other requests (decode rows and other prompts in the same steps) the rows still line up. */
    @Test
    void rowsLineUpInAMixedBatch() {
        Reference ref = reference("qwen3-tiny");
        try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(Fixtures.model("qwen3-tiny")).withThreads(2).withKvBlocks(128)
                .withMaxBatchTokens(12))) {
            Collector plain = submit(engine, ref.prompt, SamplingParams.greedy(8).withIgnoreEos(true));
            Collector short1 = submit(engine, Arrays.copyOf(ref.prompt, 5), SamplingParams.greedy(6).withIgnoreEos(true).withPromptLogprobs(0));
            Collector withLps = submit(engine, ref.prompt, SamplingParams.greedy(8).withIgnoreEos(true).withPromptLogprobs(TOP).withLogprobs(2));
            engine.runUntilIdle();
            assertArrayEquals(Arrays.copyOf(ref.greedy, 8), plain.tokens());
            assertArrayEquals(Arrays.copyOf(ref.greedy, 8), withLps.tokens());
            assertNull(promptLogprobs(plain), "not asked, not sent");
            assertMatchesReference(ref, promptLogprobs(withLps), "mixed batch");
            List<TokenLogprobs> five = promptLogprobs(short1);
            assertEquals(5, five.size());
            for (int p = 1; p < 5; p++) {
                assertEquals(logSoftmax(ref.allLogits[p - 1])[ref.prompt[p]], five.get(p).logprob(), 1e-3, "position " + p);
                assertEquals(0, five.get(p).topIds().length, "prompt_logprobs 0: the token's own logprob only");
            }
        }
    }

    /** Cached blocks have no logits: a request that wants them computes its whole prompt, and leaves it cached for others. */
    @Test
    void computesThePromptEvenWhenItIsCached() {
        Reference ref = reference("qwen3-tiny");
        try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(Fixtures.model("qwen3-tiny")).withThreads(2).withKvBlocks(64)
                .withPrefixCaching(true))) {
            submit(engine, ref.prompt, SamplingParams.greedy(1));
            engine.runUntilIdle();
            Collector again = submit(engine, ref.prompt, SamplingParams.greedy(1).withPromptLogprobs(TOP));
            engine.runUntilIdle();
            assertMatchesReference(ref, promptLogprobs(again), "after the same prompt was cached");
            assertEquals(0, again.outputs.getLast().cachedTokens(), "nothing taken from the cache");
            Collector third = submit(engine, ref.prompt, SamplingParams.greedy(1));
            engine.runUntilIdle();
            assertTrue(third.outputs.getLast().cachedTokens() > 0, "a plain request still finds the prompt cached");
        }
    }

    @Test
    void aOneTokenPromptHasOnlyTheEmptyFirstEntry() {
        try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(Fixtures.model("qwen3-tiny")).withThreads(2).withKvBlocks(16))) {
            Collector c = submit(engine, new int[]{7}, SamplingParams.greedy(2).withPromptLogprobs(1));
            engine.runUntilIdle();
            List<TokenLogprobs> lps = promptLogprobs(c);
            assertEquals(1, lps.size());
            assertNull(lps.getFirst());
        }
    }
}
