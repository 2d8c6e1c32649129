package ai.baton.engine.sampling;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;

/**
 * Penalties on tokens a sequence has already seen, applied to its logits before temperature and filtering, as vLLM
 * and Hugging Face define them:
 * <ul>
 *   <li>{@code repetition} (HF's RepetitionPenaltyLogitsProcessor; 1 = off): every token of the prompt or the output
 *       has its logit divided by it when positive, multiplied by it when not;</li>
 *   <li>{@code frequency} (OpenAI; 0 = off): minus it times the token's count in the output;</li>
 *   <li>{@code presence} (OpenAI; 0 = off): minus it once for a token present in the output.</li>
 * </ul>
 * Log-probabilities returned to clients stay those of the raw logits.
 */
public record Penalties(double presence, double frequency, double repetition) {
    public static final Penalties NONE = new Penalties(0, 0, 1);

    public boolean isNone() { return presence == 0 && frequency == 0 && repetition == 1; }

    /** Throws an IllegalArgumentException naming the first out-of-range value. */
    public Penalties validate() {
        if (!(presence >= -2 && presence <= 2)) throw new IllegalArgumentException("presence_penalty must be in [-2, 2], got " + presence);
        if (!(frequency >= -2 && frequency <= 2)) throw new IllegalArgumentException("frequency_penalty must be in [-2, 2], got " + frequency);
        if (!(repetition > 0) || Double.isInfinite(repetition))
            throw new IllegalArgumentException("repetition_penalty must be a finite number > 0, got " + repetition);
        return this;
    }

    /**
     * Applies the penalties to {@code logits[off, off + vocab)} in place, for a sequence whose tokens are
     * {@code tokenAt(0 .. length - 1)}, the first {@code promptLength} of them its prompt.
     */
    public void apply(float[] logits, int off, int vocab, IntUnaryOperator tokenAt, int promptLength, int length) {
        if (isNone()) return;
        Map<Integer, Integer> outputCounts = new HashMap<>();
        for (int p = promptLength; p < length; p++) outputCounts.merge(tokenAt.applyAsInt(p), 1, Integer::sum);
        if (repetition != 1) {
            Set<Integer> seen = new HashSet<>(outputCounts.keySet());
            for (int p = 0; p < promptLength; p++) seen.add(tokenAt.applyAsInt(p));
            for (int t : seen) {
                if (t < 0 || t >= vocab) continue;
                float l = logits[off + t];
                logits[off + t] = (float) (l > 0 ? l / repetition : l * repetition);
            }
        }
        for (Map.Entry<Integer, Integer> e : outputCounts.entrySet()) {
            int t = e.getKey();
            if (t < 0 || t >= vocab) continue;
            logits[off + t] = (float) (logits[off + t] - frequency * e.getValue() - presence);
        }
    }
}
