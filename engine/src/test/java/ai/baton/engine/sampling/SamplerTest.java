package ai.baton.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 2f, 0f, 2.9f, -1f};

    private static SamplingParams p(double t, double topP, int topK, double minP) {
        return new SamplingParams(t, topP, topK, minP, null, 1, List.of(), List.of(), false, -1);
    }

    private static Set<Integer> support(SamplingParams p) {
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 4000; i++) seen.add(Sampler.sample(LOGITS, 0, LOGITS.length, p, rnd));
        return seen;
    }

    @Test
    void greedyTakesFirstMaximum() {
        assertEquals(1, Sampler.sample(LOGITS, 0, LOGITS.length, p(0, 1, 0, 0), new SplittableRandom()));
        assertEquals(0, Sampler.argmax(new float[]{5, 5, 1}, 0, 3));
        assertEquals(1, Sampler.sample(LOGITS, 0, LOGITS.length, p(1.0, 1, 1, 0), new SplittableRandom()), "top_k 1 is greedy");
    }

    @Test
    void filtersRestrictTheSupport() {
        assertEquals(Set.of(1, 4), support(p(1, 1, 2, 0)), "top_k 2");
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), support(p(5, 1, 0, 0)), "high temperature reaches everything");
        // probabilities at t=1: 3 -> .38, 2.9 -> .34, 2 -> .14 ...: top_p 0.6 keeps the first two
        assertEquals(Set.of(1, 4), support(p(1, 0.6, 0, 0)), "top_p");
        // min_p 0.5: keep tokens with p >= 0.5 * p(max): exp(2.9-3)=.90 yes, exp(2-3)=.37 no
        assertEquals(Set.of(1, 4), support(p(1, 1, 0, 0.5)), "min_p");
    }

    @Test
    void seededSamplingIsReproducible() {
        SamplingParams sp = p(1.0, 0.95, 0, 0).withSeed(42L);
        int[] a = new int[50], b = new int[50];
        SplittableRandom r1 = new SplittableRandom(42), r2 = new SplittableRandom(42);
        for (int i = 0; i < 50; i++) {
            a[i] = Sampler.sample(LOGITS, 0, LOGITS.length, sp, r1);
            b[i] = Sampler.sample(LOGITS, 0, LOGITS.length, sp, r2);
        }
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
    }

    @Test
    void logprobsAreLogSoftmax() {
        TokenLogprobs lp = Sampler.logprobs(LOGITS, 0, LOGITS.length, 2, 3);
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        assertEquals(2 - Math.log(z), lp.logprob(), 1e-5);
        assertEquals(List.of(1, 4, 2), List.of(lp.topIds()[0], lp.topIds()[1], lp.topIds()[2]));
        assertTrue(lp.topLogprobs()[0] >= lp.topLogprobs()[1]);
    }

    @Test
    void invalidParametersAreNamed() {
        assertThrows(ai.baton.engine.EngineException.class, () -> p(-0.1, 1, 0, 0).validate());
        assertThrows(ai.baton.engine.EngineException.class, () -> p(1, 0, 0, 0).validate());
        assertThrows(ai.baton.engine.EngineException.class, () -> p(1, 1, -3, 0).validate());
        assertThrows(ai.baton.engine.EngineException.class, () -> p(1, 1, 0, 2).validate());
        assertThrows(ai.baton.engine.EngineException.class, () -> SamplingParams.greedy(0).validate());
    }
}
