package ai.baton.engine.sampling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The penalty formulas on a hand-worked example (HF's repetition penalty; OpenAI's presence and frequency). */
class PenaltiesTest {
    // Prompt: tokens 0 and 1. Output so far: 2, 2, 1.
    private static final int[] TOKENS = {0, 1, 2, 2, 1};

    private static float[] apply(Penalties p) {
        float[] logits = {2f, -1f, 4f, 0.5f, -3f};
        p.apply(logits, 0, logits.length, i -> TOKENS[i], 2, TOKENS.length);
        return logits;
    }

    @Test
    void repetitionDividesPositiveAndMultipliesNegativeLogitsOfPromptAndOutputTokens() {
        // tokens 0, 1, 2 seen (prompt or output); 3 and 4 untouched
        assertArrayEquals(new float[]{1f, -2f, 2f, 0.5f, -3f}, apply(new Penalties(0, 0, 2)), 1e-6f);
    }

    @Test
    void frequencyAndPresenceCountOnlyOutputTokens() {
        // output counts: token 2 twice, token 1 once; token 0 is only in the prompt
        assertArrayEquals(new float[]{2f, -1f - 0.5f - 0.25f, 4f - 1f - 0.25f, 0.5f, -3f},
                apply(new Penalties(0.25, 0.5, 1)), 1e-6f);
    }

    @Test
    void repetitionThenFrequencyAndPresence() {
        assertArrayEquals(new float[]{1f, -2f - 0.5f - 0.25f, 2f - 1f - 0.25f, 0.5f, -3f},
                apply(new Penalties(0.25, 0.5, 2)), 1e-6f);
    }

    @Test
    void noneIsTheIdentityAndRangesAreChecked() {
        assertArrayEquals(new float[]{2f, -1f, 4f, 0.5f, -3f}, apply(Penalties.NONE));
        assertTrue(Penalties.NONE.isNone());
        assertThrows(IllegalArgumentException.class, () -> new Penalties(2.5, 0, 1).validate());
        assertThrows(IllegalArgumentException.class, () -> new Penalties(0, -2.5, 1).validate());
        assertThrows(IllegalArgumentException.class, () -> new Penalties(0, 0, 0).validate());
        assertThrows(IllegalArgumentException.class, () -> new Penalties(0, 0, Double.NaN).validate());
    }
}
