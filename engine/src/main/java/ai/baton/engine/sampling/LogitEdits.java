package ai.baton.engine.sampling;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

/**
 * What one request changes in its logits row before a draw (penalties, logit bias, the min_tokens mask, a guide's
 * mask), in a form a device applies without the sequence: the penalty factors, one edit per touched token, and an
 * optional bitmask of the tokens allowed at all. A GPU then samples such a row in place, and only its token id
 * reaches the host, as vLLM applies penalties and grammar bitmasks on the GPU.
 *
 * <p>{@link #applyTo} is the definition: per edited token, in this order, the repetition penalty (when the token is
 * in the prompt or the output), frequency and presence (when it is in the output), its bias, then the mask; then
 * every token outside {@code allowed} becomes -infinity. The arithmetic is that of {@link Penalties#apply} and
 * {@link SamplingParams#adjustLogits} (doubles rounded to float where they use doubles), so a row edited here is bit
 * for bit the row the host adjusts, and the CUDA kernel ({@code logit_edits}) does the same operations.
 *
 * @param tokens  the edited token ids, distinct, ascending
 * @param counts  each token's count in the output (frequency and presence apply when above 0)
 * @param flags   each token's {@link #REPEATED}, {@link #BIASED} and {@link #MASKED} bits
 * @param bias    each token's logit bias (where {@link #BIASED})
 * @param allowed bit t of {@code allowed[t >> 6]} set for each token that may be drawn, or null for all; tokens past
 *                the mask are not allowed
 */
public record LogitEdits(double repetition, double frequency, double presence,
                         int[] tokens, int[] counts, int[] flags, float[] bias, long[] allowed) {
    /** The token is in the prompt or the output (the repetition penalty applies). */
    public static final int REPEATED = 1;
    /** The token has a logit bias. */
    public static final int BIASED = 2;
    /** The token may not be drawn yet (EOS and stop ids before min_tokens). */
    public static final int MASKED = 4;

    /**
     * The edits of a sequence's next row, as {@link SamplingParams#adjustLogits} and the guide would make them; null
     * when the row is drawn as it is. The sequence's tokens are {@code tokenAt(0 .. length - 1)}, the first
     * {@code promptLength} its prompt. {@code guideMask} is the guide's mask of allowed tokens (null without a guide)
     * and {@code guideComplete} whether the guided value is finished: then EOS keeps its raw logit even before
     * min_tokens (a finished value ends the output, which would otherwise leave nothing to draw).
     */
    public static LogitEdits of(SamplingParams p, IntUnaryOperator tokenAt, int promptLength, int length, Set<Integer> eos,
                                int vocab, long[] guideMask, boolean guideComplete) {
        return of(p, distinctTokens(tokenAt, 0, promptLength, vocab), tokenAt, promptLength, length, eos, vocab, guideMask, guideComplete);
    }

    /**
     * As above, with the prompt's distinct token ids below {@code vocab}, ascending ({@link #distinctTokens}), given:
     * a sequence computes them once, not at every step of a long prompt.
     */
    public static LogitEdits of(SamplingParams p, int[] promptTokens, IntUnaryOperator tokenAt, int promptLength, int length,
                                Set<Integer> eos, int vocab, long[] guideMask, boolean guideComplete) {
        int outputLength = length - promptLength;
        if (!p.adjustsLogits(outputLength)) return null;
        Penalties pen = p.penalties();
        boolean penalised = !pen.isNone(), repeated = penalised && pen.repetition() != 1;
        boolean masking = outputLength < p.minTokens();
        // the output's ids sorted, so that equal ids are runs (their counts)
        int[] output = new int[penalised ? outputLength : 0];
        int n = 0;
        for (int i = promptLength; i < length && penalised; i++) {
            int t = tokenAt.applyAsInt(i);
            if (t >= 0 && t < vocab) output[n++] = t;
        }
        output = Arrays.copyOf(output, n);
        Arrays.sort(output);
        // every edited id: the output's, the prompt's (repetition), biased ones, masked ones
        IntStream.Builder ids = IntStream.builder();
        for (int t : output) ids.add(t);
        if (repeated) for (int t : promptTokens) ids.add(t);
        for (int t : p.logitBias().keySet()) if (t >= 0 && t < vocab) ids.add(t);
        if (masking) {
            for (int t : eos) if (t >= 0 && t < vocab) ids.add(t);
            for (int t : p.stopTokenIds()) if (t >= 0 && t < vocab) ids.add(t);
        }
        int[] tokens = ids.build().sorted().distinct().toArray();
        int[] counts = new int[tokens.length], flags = new int[tokens.length];
        float[] bias = new float[tokens.length];
        for (int i = 0, o = 0; i < tokens.length; i++) {
            while (o < output.length && output[o] == tokens[i]) {
                counts[i]++;
                o++;
            }
            if (repeated && (counts[i] > 0 || Arrays.binarySearch(promptTokens, tokens[i]) >= 0)) flags[i] |= REPEATED;
        }
        for (Map.Entry<Integer, Float> b : p.logitBias().entrySet()) {
            int i = b.getKey() < vocab ? Arrays.binarySearch(tokens, b.getKey()) : -1;
            if (i < 0) continue;
            flags[i] |= BIASED;
            bias[i] = b.getValue();
        }
        long[] allowed = guideMask == null ? null : guideMask.clone();
        boolean[] raw = new boolean[tokens.length];
        if (masking) {
            for (int t : eos) mask(tokens, flags, t);
            for (int t : p.stopTokenIds()) mask(tokens, flags, t);
            if (allowed != null && guideComplete) {
                for (int t : eos) {  // raw logit: no edit, and allowed
                    if (t < 0 || t >= vocab) continue;
                    raw[Arrays.binarySearch(tokens, t)] = true;
                    if ((t >> 6) >= allowed.length) allowed = Arrays.copyOf(allowed, (t >> 6) + 1);  // an id past the guide's vocabulary
                    allowed[t >> 6] |= 1L << t;
                }
            }
        }
        int kept = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (raw[i]) continue;
            tokens[kept] = tokens[i];
            counts[kept] = counts[i];
            flags[kept] = flags[i];
            bias[kept] = bias[i];
            kept++;
        }
        return new LogitEdits(pen.repetition(), pen.frequency(), pen.presence(), Arrays.copyOf(tokens, kept),
                Arrays.copyOf(counts, kept), Arrays.copyOf(flags, kept), Arrays.copyOf(bias, kept), allowed);
    }

    /** The distinct ids among {@code tokenAt(from .. to - 1)} that lie in [0, vocab), ascending. */
    public static int[] distinctTokens(IntUnaryOperator tokenAt, int from, int to, int vocab) {
        int[] ids = new int[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            int t = tokenAt.applyAsInt(i);
            if (t >= 0 && t < vocab) ids[n++] = t;
        }
        return Arrays.stream(ids, 0, n).sorted().distinct().toArray();
    }

    private static void mask(int[] tokens, int[] flags, int t) {
        int i = t >= 0 ? Arrays.binarySearch(tokens, t) : -1;
        if (i >= 0) flags[i] |= MASKED;
    }

    /** Applies the edits to {@code row[off, off + vocab)} in place (the reference the device kernel follows). */
    public void applyTo(float[] row, int off, int vocab) {
        for (int i = 0; i < tokens.length; i++) {
            int t = tokens[i];
            float l = row[off + t];
            if ((flags[i] & REPEATED) != 0 && repetition != 1) l = (float) (l > 0 ? l / repetition : l * repetition);
            if (counts[i] > 0) l = (float) (l - frequency * counts[i] - presence);
            if ((flags[i] & BIASED) != 0) l += bias[i];
            if ((flags[i] & MASKED) != 0) l = Float.NEGATIVE_INFINITY;
            row[off + t] = l;
        }
        if (allowed != null)
            for (int t = 0; t < vocab; t++)
                if ((t >> 6) >= allowed.length || (allowed[t >> 6] >>> t & 1) == 0) row[off + t] = Float.NEGATIVE_INFINITY;
    }

    /** Edited tokens. */
    public int size() { return tokens.length; }
}
