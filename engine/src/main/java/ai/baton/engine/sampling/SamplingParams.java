package ai.baton.engine.sampling;

import ai.baton.engine.EngineException;
import ai.baton.engine.guide.GuideSpec;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;

/**
 * How to pick tokens and when to stop. temperature 0 (or topK 1) is greedy. {@code seed} makes sampling
 * reproducible whatever else shares the batch. {@code logprobs} &lt; 0 means none; n &ge; 0 returns the chosen token's
 * log-probability and the n most likely. {@code penalties} act on tokens already seen (none by default);
 * {@code logitBias} adds to given tokens' logits (OpenAI's logit_bias); until the output has {@code minTokens} tokens,
 * EOS and the stop token ids cannot be sampled and stop strings are not looked for (vLLM's min_tokens);
 * {@code includeStopStr} keeps a matched stop string in the text. {@code keepSpecialTokens} (vLLM's
 * skip_special_tokens false) makes special tokens part of the text, except the token that ends the sequence (EOS or a
 * stop token id), which is text only with {@code includeStopStr}, as in vLLM. {@code promptLogprobs} (vLLM's
 * prompt_logprobs) &lt; 0 means none; n &ge; 0 returns, for every prompt token after the first, its log-probability
 * given the tokens before it and the n most likely tokens there. {@code guide} (structured outputs), when set,
 * masks every token that would take the output out of its grammar. {@code priority} is not about sampling but travels
 * with it: the request's place in an engine that schedules by priority (vLLM's priority: lower values are served
 * first; 0 by default, and the only value an FCFS engine accepts).
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, Long seed, int maxTokens,
                             List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, int logprobs,
                             Penalties penalties, Map<Integer, Float> logitBias, int minTokens, boolean includeStopStr,
                             boolean keepSpecialTokens, int promptLogprobs, GuideSpec guide, int priority) {

    public static final int MAX_LOGPROBS = 20;
    /** OpenAI's range for a logit bias. */
    public static final float MAX_LOGIT_BIAS = 100f;

    public SamplingParams {
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (penalties == null) penalties = Penalties.NONE;
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    /** At priority 0. */
    public SamplingParams(double temperature, double topP, int topK, double minP, Long seed, int maxTokens,
                          List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, int logprobs,
                          Penalties penalties, Map<Integer, Float> logitBias, int minTokens, boolean includeStopStr,
                          boolean keepSpecialTokens, int promptLogprobs, GuideSpec guide) {
        this(temperature, topP, topK, minP, seed, maxTokens, stopTokenIds, stop, ignoreEos, logprobs, penalties, logitBias, minTokens,
                includeStopStr, keepSpecialTokens, promptLogprobs, guide, 0);
    }

    /** Without a guide. */
    public SamplingParams(double temperature, double topP, int topK, double minP, Long seed, int maxTokens,
                          List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, int logprobs,
                          Penalties penalties, Map<Integer, Float> logitBias, int minTokens, boolean includeStopStr,
                          boolean keepSpecialTokens, int promptLogprobs) {
        this(temperature, topP, topK, minP, seed, maxTokens, stopTokenIds, stop, ignoreEos, logprobs, penalties, logitBias, minTokens,
                includeStopStr, keepSpecialTokens, promptLogprobs, null);
    }

    /** Without prompt logprobs or a guide. */
    public SamplingParams(double temperature, double topP, int topK, double minP, Long seed, int maxTokens,
                          List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, int logprobs,
                          Penalties penalties, Map<Integer, Float> logitBias, int minTokens, boolean includeStopStr,
                          boolean keepSpecialTokens) {
        this(temperature, topP, topK, minP, seed, maxTokens, stopTokenIds, stop, ignoreEos, logprobs, penalties, logitBias, minTokens,
                includeStopStr, keepSpecialTokens, -1, null);
    }

    /** Without penalties, logit bias, min tokens or stop strings kept. */
    public SamplingParams(double temperature, double topP, int topK, double minP, Long seed, int maxTokens,
                          List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, int logprobs) {
        this(temperature, topP, topK, minP, seed, maxTokens, stopTokenIds, stop, ignoreEos, logprobs, Penalties.NONE, Map.of(), 0, false,
                false);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 1, 0, 0, null, maxTokens, List.of(), List.of(), false, -1);
    }

    public boolean isGreedy() { return temperature == 0 || topK == 1; }

    /** Whether sampling the next token, with {@code outputLength} tokens out so far, needs the whole logits row. */
    public boolean adjustsLogits(int outputLength) {
        return !penalties.isNone() || !logitBias.isEmpty() || outputLength < minTokens || guide != null;
    }

    /**
     * Applies this request's changes to one logits row {@code row[0, vocab)} in place, in vLLM's order: penalties,
     * logit bias, then (while the output is shorter than min_tokens) EOS and the stop token ids masked out. The
     * sequence's tokens are {@code tokenAt(0 .. length - 1)}, the first {@code promptLength} of them its prompt.
     */
    public void adjustLogits(float[] row, int vocab, IntUnaryOperator tokenAt, int promptLength, int length, Set<Integer> eos) {
        penalties.apply(row, 0, vocab, tokenAt, promptLength, length);
        for (Map.Entry<Integer, Float> e : logitBias.entrySet())
            if (e.getKey() < vocab) row[e.getKey()] += e.getValue();
        if (length - promptLength < minTokens) {
            for (int t : eos) if (t >= 0 && t < vocab) row[t] = Float.NEGATIVE_INFINITY;
            for (int t : stopTokenIds) if (t >= 0 && t < vocab) row[t] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Throws an EngineException naming the first invalid parameter. */
    public SamplingParams validate() {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) fail("temperature must be a finite number >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) fail("top_p must be in (0, 1], got " + topP);
        if (topK < 0) fail("top_k must be >= 0 (0 or -1 disables it), got " + topK);
        if (!(minP >= 0 && minP <= 1)) fail("min_p must be in [0, 1], got " + minP);
        if (maxTokens < 1) fail("max_tokens must be >= 1, got " + maxTokens);
        if (minTokens < 0 || minTokens > maxTokens) fail("min_tokens must be in [0, max_tokens = " + maxTokens + "], got " + minTokens);
        if (logprobs > MAX_LOGPROBS) fail("logprobs must be <= " + MAX_LOGPROBS + ", got " + logprobs);
        if (promptLogprobs > MAX_LOGPROBS) fail("prompt_logprobs must be <= " + MAX_LOGPROBS + ", got " + promptLogprobs);
        for (String s : stop) if (s == null || s.isEmpty()) fail("stop strings must be non-empty");
        for (Map.Entry<Integer, Float> e : logitBias.entrySet())
            if (e.getKey() < 0 || !(Math.abs(e.getValue()) <= MAX_LOGIT_BIAS))
                fail("logit_bias needs token ids >= 0 and biases in [-100, 100], got " + e.getKey() + ": " + e.getValue());
        try {
            penalties.validate();
        } catch (IllegalArgumentException e) {
            fail(e.getMessage());
        }
        return this;
    }

    private static void fail(String msg) { throw new EngineException(msg); }

    public SamplingParams withMaxTokens(int n) {
        return edit(e -> {
            e.maxTokens = n;
            e.minTokens = Math.min(e.minTokens, n);
        });
    }

    public SamplingParams withIgnoreEos(boolean v) { return edit(e -> e.ignoreEos = v); }

    public SamplingParams withSeed(Long s) { return edit(e -> e.seed = s); }

    public SamplingParams withPenalties(Penalties p) { return edit(e -> e.penalties = p); }

    public SamplingParams withLogitBias(Map<Integer, Float> bias) { return edit(e -> e.logitBias = bias); }

    public SamplingParams withMinTokens(int n) { return edit(e -> e.minTokens = n); }

    public SamplingParams withLogprobs(int n) { return edit(e -> e.logprobs = n); }

    public SamplingParams withPromptLogprobs(int n) { return edit(e -> e.promptLogprobs = n); }

    public SamplingParams withGuide(GuideSpec g) { return edit(e -> e.guide = g); }

    public SamplingParams withIncludeStopStr(boolean v) { return edit(e -> e.includeStopStr = v); }

    public SamplingParams withKeepSpecialTokens(boolean v) { return edit(e -> e.keepSpecialTokens = v); }

    public SamplingParams withPriority(int p) { return edit(e -> e.priority = p); }

    /** A copy with the changes that {@code change} makes to this record's components (the withers above). */
    private SamplingParams edit(java.util.function.Consumer<Edit> change) {
        Edit e = new Edit(this);
        change.accept(e);
        return new SamplingParams(e.temperature, e.topP, e.topK, e.minP, e.seed, e.maxTokens, e.stopTokenIds, e.stop,
                e.ignoreEos, e.logprobs, e.penalties, e.logitBias, e.minTokens, e.includeStopStr, e.keepSpecialTokens,
                e.promptLogprobs, e.guide, e.priority);
    }

    /** This record's components, mutable, for {@link #edit}. */
    private static final class Edit {
        double temperature, topP, minP;
        int topK, maxTokens, logprobs, minTokens, promptLogprobs, priority;
        Long seed;
        List<Integer> stopTokenIds;
        List<String> stop;
        boolean ignoreEos, includeStopStr, keepSpecialTokens;
        Penalties penalties;
        Map<Integer, Float> logitBias;
        GuideSpec guide;

        Edit(SamplingParams p) {
            temperature = p.temperature;
            topP = p.topP;
            topK = p.topK;
            minP = p.minP;
            seed = p.seed;
            maxTokens = p.maxTokens;
            stopTokenIds = p.stopTokenIds;
            stop = p.stop;
            ignoreEos = p.ignoreEos;
            logprobs = p.logprobs;
            penalties = p.penalties;
            logitBias = p.logitBias;
            minTokens = p.minTokens;
            includeStopStr = p.includeStopStr;
            keepSpecialTokens = p.keepSpecialTokens;
            promptLogprobs = p.promptLogprobs;
            guide = p.guide;
            priority = p.priority;
        }
    }
}
