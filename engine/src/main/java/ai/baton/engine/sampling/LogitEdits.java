package ai.baton.engine.sampling;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

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
        int outputLength = length - promptLength;
        if (!p.adjustsLogits(outputLength)) return null;
        // token -> {count, flags, bias bits}
        TreeMap<Integer, int[]> edits = new TreeMap<>();
        Penalties pen = p.penalties();
        if (!pen.isNone()) {
            for (int i = promptLength; i < length; i++) {
                int t = tokenAt.applyAsInt(i);
                if (t >= 0 && t < vocab) edits.computeIfAbsent(t, k -> new int[3])[0]++;
            }
            if (pen.repetition() != 1) {
                for (int[] e : edits.values()) e[1] |= REPEATED;
                for (int i = 0; i < promptLength; i++) {
                    int t = tokenAt.applyAsInt(i);
                    if (t >= 0 && t < vocab) edits.computeIfAbsent(t, k -> new int[3])[1] |= REPEATED;
                }
            }
        }
        for (Map.Entry<Integer, Float> b : p.logitBias().entrySet()) {
            int t = b.getKey();
            if (t < 0 || t >= vocab) continue;
            int[] e = edits.computeIfAbsent(t, k -> new int[3]);
            e[1] |= BIASED;
            e[2] = Float.floatToRawIntBits(b.getValue());
        }
        long[] allowed = guideMask == null ? null : guideMask.clone();
        if (outputLength < p.minTokens()) {
            for (int t : eos) if (t >= 0 && t < vocab) edits.computeIfAbsent(t, k -> new int[3])[1] |= MASKED;
            for (int t : p.stopTokenIds()) if (t >= 0 && t < vocab) edits.computeIfAbsent(t, k -> new int[3])[1] |= MASKED;
            if (allowed != null && guideComplete) {
                for (int t : eos) {  // raw logit: no edit, and allowed
                    if (t < 0 || t >= vocab) continue;
                    edits.remove(t);
                    if ((t >> 6) >= allowed.length) allowed = Arrays.copyOf(allowed, (t >> 6) + 1);  // an id past the guide's vocabulary
                    allowed[t >> 6] |= 1L << t;
                }
            }
        }
        int n = edits.size();
        int[] tokens = new int[n], counts = new int[n], flags = new int[n];
        float[] bias = new float[n];
        int i = 0;
        for (Map.Entry<Integer, int[]> e : edits.entrySet()) {
            tokens[i] = e.getKey();
            counts[i] = e.getValue()[0];
            flags[i] = e.getValue()[1];
            bias[i] = Float.intBitsToFloat(e.getValue()[2]);
            i++;
        }
        return new LogitEdits(pen.repetition(), pen.frequency(), pen.presence(), tokens, counts, flags, bias, allowed);
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
