package ai.baton.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Iterator;
import java.util.Set;

/**
 * Speculative decoding by n-gram lookup (vLLM's {@code speculative_config} with {@code "method": "ngram"}): each
 * decode step proposes up to {@code numTokens} tokens that followed the latest earlier occurrence of the sequence's
 * last {@code lookupMax}..{@code lookupMin} tokens, and the model verifies them in the same pass.
 *
 * @param numTokens          most draft tokens per sequence per step; 0 turns speculation off
 * @param lookupMin          shortest suffix that may match
 * @param lookupMax          longest suffix tried first
 * @param disableByBatchSize no drafts while more sequences than this run (a large batch is compute-bound, so
 *                           verifying drafts costs what they save); 0 = always draft
 */
public record SpeculativeConfig(int numTokens, int lookupMin, int lookupMax, int disableByBatchSize) {
    public static final SpeculativeConfig NONE = new SpeculativeConfig(0, 0, 0, 0);
    /** As vLLM: with neither bound given both are 5, with one given the other equals it. */
    static final int DEFAULT_LOOKUP = 5;
    private static final Set<String> KEYS = Set.of("method", "num_speculative_tokens", "prompt_lookup_min", "prompt_lookup_max",
            "disable_by_batch_size");

    public SpeculativeConfig(int numTokens, int lookupMin, int lookupMax) { this(numTokens, lookupMin, lookupMax, 0); }

    public SpeculativeConfig {
        if (disableByBatchSize < 0) throw new IllegalArgumentException("disable_by_batch_size must be >= 0, got " + disableByBatchSize);
        if (numTokens < 0) throw new IllegalArgumentException("num_speculative_tokens must be >= 0, got " + numTokens);
        if (numTokens > 0) {
            if (lookupMin < 1) throw new IllegalArgumentException("prompt_lookup_min must be >= 1, got " + lookupMin);
            if (lookupMax < lookupMin)
                throw new IllegalArgumentException("prompt_lookup_max (" + lookupMax + ") must be >= prompt_lookup_min (" + lookupMin + ")");
        }
    }

    public boolean enabled() { return numTokens > 0; }

    /** Whether a step with {@code running} sequences drafts. */
    public boolean draftsAt(int running) { return enabled() && (disableByBatchSize == 0 || running <= disableByBatchSize); }

    /**
     * Parses vLLM's JSON form, e.g. {@code {"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 3}};
     * null or blank is {@link #NONE}. Throws IllegalArgumentException with a one-line message on anything else.
     */
    public static SpeculativeConfig parse(String json) {
        if (json == null || json.isBlank()) return NONE;
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("--speculative-config is not valid JSON: " + json);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("--speculative-config must be a JSON object, got " + json);
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) throw new IllegalArgumentException("--speculative-config: unknown key \"" + k + "\" (known: " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
        }
        String method = n.path("method").asText("ngram");
        if (!"ngram".equals(method))
            throw new IllegalArgumentException("--speculative-config: method \"" + method + "\" is not supported (only \"ngram\")");
        if (!n.has("num_speculative_tokens")) throw new IllegalArgumentException("--speculative-config needs num_speculative_tokens");
        int k = intField(n, "num_speculative_tokens");
        Integer min = n.has("prompt_lookup_min") ? intField(n, "prompt_lookup_min") : null;
        Integer max = n.has("prompt_lookup_max") ? intField(n, "prompt_lookup_max") : null;
        if (min == null && max == null) min = max = DEFAULT_LOOKUP;
        else if (min == null) min = max;
        else if (max == null) max = min;
        int disable = n.has("disable_by_batch_size") ? intField(n, "disable_by_batch_size") : 0;
        return new SpeculativeConfig(k, min, max, disable);
    }

    private static int intField(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new IllegalArgumentException("--speculative-config: " + key + " must be an integer, got " + v);
        return v.intValue();
    }
}
