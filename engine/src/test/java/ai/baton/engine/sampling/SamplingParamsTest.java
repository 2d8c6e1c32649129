package ai.baton.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each wither changes its own component and leaves every other one as it was. */
class SamplingParamsTest {
    private static final SamplingParams BASE = new SamplingParams(0.7, 0.9, 40, 0.05, 7L, 100, List.of(5), List.of("END"),
            false, 3, Penalties.NONE, Map.of(11, 2f), 10, false, false);

    private static SamplingParams base(double temperature, Long seed, int maxTokens, boolean ignoreEos, int logprobs,
                                       Penalties penalties, Map<Integer, Float> bias, int minTokens, boolean includeStop,
                                       boolean keepSpecial) {
        return new SamplingParams(temperature, 0.9, 40, 0.05, seed, maxTokens, List.of(5), List.of("END"), ignoreEos,
                logprobs, penalties, bias, minTokens, includeStop, keepSpecial);
    }

    @Test
    void withersChangeOneComponent() {
        Map<Integer, Float> bias = Map.of(11, 2f);
        Penalties pen = new Penalties(1.2, 0.5, 0.5);
        assertEquals(base(0.7, 7L, 200, false, 3, Penalties.NONE, bias, 10, false, false), BASE.withMaxTokens(200));
        assertEquals(base(0.7, 7L, 4, false, 3, Penalties.NONE, bias, 4, false, false), BASE.withMaxTokens(4),
                "min_tokens is capped by the new max_tokens");
        assertEquals(base(0.7, 7L, 100, true, 3, Penalties.NONE, bias, 10, false, false), BASE.withIgnoreEos(true));
        assertEquals(base(0.7, null, 100, false, 3, Penalties.NONE, bias, 10, false, false), BASE.withSeed(null));
        assertEquals(base(0.7, 7L, 100, false, 3, pen, bias, 10, false, false), BASE.withPenalties(pen));
        assertEquals(base(0.7, 7L, 100, false, 3, Penalties.NONE, Map.of(), 10, false, false), BASE.withLogitBias(Map.of()));
        assertEquals(base(0.7, 7L, 100, false, 3, Penalties.NONE, bias, 0, false, false), BASE.withMinTokens(0));
        assertEquals(base(0.7, 7L, 100, false, -1, Penalties.NONE, bias, 10, false, false), BASE.withLogprobs(-1));
        assertEquals(base(0.7, 7L, 100, false, 3, Penalties.NONE, bias, 10, true, false), BASE.withIncludeStopStr(true));
        assertEquals(base(0.7, 7L, 100, false, 3, Penalties.NONE, bias, 10, false, true), BASE.withKeepSpecialTokens(true));
        SamplingParams withPrompt = BASE.withPromptLogprobs(2);
        assertEquals(2, withPrompt.promptLogprobs());
        assertEquals(BASE, withPrompt.withPromptLogprobs(-1), "prompt_logprobs is its own component; the others stay");
        assertEquals(-1, BASE.promptLogprobs(), "the constructor without it means none");
    }
}
