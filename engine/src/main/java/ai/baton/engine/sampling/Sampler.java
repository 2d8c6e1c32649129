package ai.baton.engine.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from one row of logits: greedy, or temperature then min-p, top-k and top-p filtering, then a
 * draw from the request's own random generator (so a seeded request samples the same alone or in any batch).
 * Log-probabilities are of the model's raw distribution, as OpenAI-style APIs report them.
 */
public final class Sampler {
    private Sampler() {}

    public static int sample(float[] logits, int offset, int vocab, SamplingParams p, RandomGenerator rng) {
        if (p.isGreedy()) return argmax(logits, offset, vocab);
        double invT = 1.0 / p.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        // Candidates sorted by probability, best first (ties by lower id, for determinism).
        double[] prob = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            prob[i] = Math.exp((logits[offset + i] - max) * invT);
            sum += prob[i];
        }
        Integer[] order = null;
        int keep = vocab;
        if (p.topK() > 0 && p.topK() < vocab) keep = p.topK();
        boolean needSort = keep < vocab || p.topP() < 1 || p.minP() > 0;
        int[] ids;
        if (needSort) {
            order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) order[i] = i;
            final double[] pr = prob;
            Arrays.sort(order, (a, b) -> pr[a] != pr[b] ? Double.compare(pr[b], pr[a]) : Integer.compare(a, b));
            if (p.minP() > 0) {
                double threshold = p.minP() * prob[order[0]];
                int n = 0;
                while (n < keep && prob[order[n]] >= threshold) n++;
                keep = Math.max(1, n);
            }
            if (p.topP() < 1) {
                double kept = 0;
                for (int i = 0; i < keep; i++) kept += prob[order[i]];
                double cum = 0;
                int n = 0;
                while (n < keep) {
                    cum += prob[order[n]];
                    n++;
                    if (cum >= p.topP() * kept) break;
                }
                keep = Math.max(1, n);
            }
            ids = new int[keep];
            for (int i = 0; i < keep; i++) ids[i] = order[i];
        } else {
            ids = null;
        }
        double total = 0;
        for (int i = 0; i < keep; i++) total += prob[ids == null ? i : ids[i]];
        double u = rng.nextDouble() * total, cum = 0;
        for (int i = 0; i < keep; i++) {
            int id = ids == null ? i : ids[i];
            cum += prob[id];
            if (u < cum) return id;
        }
        return ids == null ? keep - 1 : ids[keep - 1];
    }

    /** The first index of the largest logit (as torch.argmax). */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float bv = logits[offset];
        for (int i = 1; i < vocab; i++) if (logits[offset + i] > bv) { bv = logits[offset + i]; best = i; }
        return best;
    }

    public static TokenLogprobs logprobs(float[] logits, int offset, int vocab, int token, int top) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
        float logZ = (float) (max + Math.log(sum));
        int n = Math.max(0, Math.min(top, vocab));
        int[] ids = new int[n];
        float[] lps = new float[n];
        // Partial selection of the n best (n is small).
        boolean[] taken = new boolean[n == 0 ? 0 : vocab];
        for (int k = 0; k < n; k++) {
            int best = -1;
            for (int i = 0; i < vocab; i++) if (!taken[i] && (best < 0 || logits[offset + i] > logits[offset + best])) best = i;
            taken[best] = true;
            ids[k] = best;
            lps[k] = logits[offset + best] - logZ;
        }
        return new TokenLogprobs(token, logits[offset + token] - logZ, ids, lps);
    }
}
