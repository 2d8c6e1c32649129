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
        double[] prob = new double[vocab];
        for (int i = 0; i < vocab; i++) prob[i] = Math.exp((logits[offset + i] - max) * invT);
        boolean filter = (p.topK() > 0 && p.topK() < vocab) || p.topP() < 1 || p.minP() > 0;
        int[] ids = filter ? ranked(prob, p.topK() > 0 && p.topK() < vocab ? p.topK() : vocab) : null;
        int keep = ids == null ? vocab : ids.length;
        if (filter && p.minP() > 0) {
            double threshold = p.minP() * prob[ids[0]];
            int n = 0;
            while (n < keep && prob[ids[n]] >= threshold) n++;
            keep = Math.max(1, n);
        }
        if (filter && p.topP() < 1) {
            double kept = 0;
            for (int i = 0; i < keep; i++) kept += prob[ids[i]];
            double cum = 0;
            int n = 0;
            while (n < keep) {
                cum += prob[ids[n]];
                n++;
                if (cum >= p.topP() * kept) break;
            }
            keep = Math.max(1, n);
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

    /**
     * The {@code k} most probable ids, best first, ties to the lower id. Sorting packed (probability, id) longs keeps
     * this fast over a 150k vocabulary; with a small k only candidates above the k-th largest value are sorted.
     */
    static int[] ranked(double[] prob, int k) {
        int n = prob.length;
        long[] keys = new long[n];
        int m = 0;
        float cutoff = k < n ? kthLargest(prob, k) : Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = (float) prob[i];
            if (v < cutoff) continue;
            keys[m++] = ((long) Float.floatToIntBits(v) << 32) | (0xFFFFFFFFL - i); // non-negative floats sort as ints
        }
        Arrays.sort(keys, 0, m);
        int out = Math.min(k, m);
        int[] ids = new int[out];
        for (int j = 0; j < out; j++) ids[j] = (int) (0xFFFFFFFFL - (keys[m - 1 - j] & 0xFFFFFFFFL));
        return ids;
    }

    private static float kthLargest(double[] prob, int k) {
        java.util.PriorityQueue<Float> heap = new java.util.PriorityQueue<>(k + 1);
        for (double d : prob) {
            float v = (float) d;
            if (heap.size() < k) heap.add(v);
            else if (v > heap.peek()) { heap.poll(); heap.add(v); }
        }
        return heap.peek();
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
