package ai.baton.engine.sampling;

import ai.baton.engine.EngineException;

import java.util.List;

/**
 * How to pick tokens and when to stop. temperature 0 (or topK 1) is greedy. {@code seed} makes sampling
 * reproducible whatever else shares the batch. {@code logprobs} &lt; 0 means none; n &ge; 0 returns the chosen token's
 * log-probability and the n most likely. {@code penalties} act on tokens already seen (none by default).
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, Long seed, int maxTokens,
                             List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, int logprobs,
                             Penalties penalties) {

    public static final int MAX_LOGPROBS = 20;

    public SamplingParams {
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (penalties == null) penalties = Penalties.NONE;
    }

    /** Without penalties. */
    public SamplingParams(double temperature, double topP, int topK, double minP, Long seed, int maxTokens,
                          List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, int logprobs) {
        this(temperature, topP, topK, minP, seed, maxTokens, stopTokenIds, stop, ignoreEos, logprobs, Penalties.NONE);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 1, 0, 0, null, maxTokens, List.of(), List.of(), false, -1);
    }

    public boolean isGreedy() { return temperature == 0 || topK == 1; }

    /** Throws an EngineException naming the first invalid parameter. */
    public SamplingParams validate() {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) fail("temperature must be a finite number >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) fail("top_p must be in (0, 1], got " + topP);
        if (topK < 0) fail("top_k must be >= 0 (0 or -1 disables it), got " + topK);
        if (!(minP >= 0 && minP <= 1)) fail("min_p must be in [0, 1], got " + minP);
        if (maxTokens < 1) fail("max_tokens must be >= 1, got " + maxTokens);
        if (logprobs > MAX_LOGPROBS) fail("logprobs must be <= " + MAX_LOGPROBS + ", got " + logprobs);
        for (String s : stop) if (s == null || s.isEmpty()) fail("stop strings must be non-empty");
        try {
            penalties.validate();
        } catch (IllegalArgumentException e) {
            fail(e.getMessage());
        }
        return this;
    }

    private static void fail(String msg) { throw new EngineException(msg); }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(temperature, topP, topK, minP, seed, n, stopTokenIds, stop, ignoreEos, logprobs, penalties);
    }

    public SamplingParams withIgnoreEos(boolean v) {
        return new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, stopTokenIds, stop, v, logprobs, penalties);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(temperature, topP, topK, minP, s, maxTokens, stopTokenIds, stop, ignoreEos, logprobs, penalties);
    }

    public SamplingParams withPenalties(Penalties p) {
        return new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, stopTokenIds, stop, ignoreEos, logprobs, p);
    }
}
