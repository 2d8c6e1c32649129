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

    /**
     * Log-probabilities of one row: the given token's, its rank, and the {@code top} most likely tokens (ties to the lower
     * id). One pass keeps the best {@code top} in a small sorted array, so prompt logprobs over long prompts stay cheap.
     */
    public static TokenLogprobs logprobs(float[] logits, int offset, int vocab, int token, int top) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
        float logZ = (float) (max + Math.log(sum));
        float chosen = logits[offset + token];
        int n = Math.max(0, Math.min(top, vocab));
        int[] ids = new int[n];
        float[] vals = new float[n];
        int kept = 0, above = 0;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (v > chosen || (v == chosen && i < token)) above++;
            if (n == 0 || (kept == n && !(v > vals[n - 1]))) continue;  // not better than the worst kept (ties keep the lower id)
            int at = kept < n ? kept++ : n - 1;
            while (at > 0 && v > vals[at - 1]) {
                vals[at] = vals[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            vals[at] = v;
            ids[at] = i;
        }
        float[] lps = new float[n];
        for (int k = 0; k < n; k++) lps[k] = vals[k] - logZ;
        return new TokenLogprobs(token, chosen - logZ, above + 1, ids, lps);
    }
}
