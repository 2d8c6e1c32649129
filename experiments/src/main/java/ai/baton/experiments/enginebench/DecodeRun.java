package ai.baton.experiments.enginebench;

import ai.baton.engine.EngineStats;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One batch of requests through an engine, timed over decode only: from the step after every request's first token
 * to the end, with the engine's counters before and after (the benchmarks that compare ways of decoding the same
 * requests: spec-bench, logit-bench).
 *
 * @param outputs  each request's tokens
 * @param logprobs each request's token logprobs, where it asked for them
 */
public record DecodeRun(double seconds, EngineStats before, EngineStats after, List<int[]> outputs, List<List<TokenLogprobs>> logprobs) {
    /** Decode steps taken. */
    public long steps() { return after.steps() - before.steps(); }

    public double msPerStep() { return seconds * 1e3 / Math.max(1, steps()); }

    /** Runs request i of {@code prompts} with {@code params.apply(i)}; a request that fails fails the run. */
    public static DecodeRun of(LlmEngine engine, List<int[]> prompts, IntFunction<SamplingParams> params) {
        int n = prompts.size();
        List<List<Integer>> tokens = new ArrayList<>();
        List<List<TokenLogprobs>> logprobs = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int[] started = {0};
        for (int i = 0; i < n; i++) {
            List<Integer> out = new ArrayList<>();
            List<TokenLogprobs> lps = new ArrayList<>();
            tokens.add(out);
            logprobs.add(lps);
            engine.submit(null, prompts.get(i), params.apply(i), (RequestOutput o) -> {
                if (o.newToken() >= 0) {
                    if (out.isEmpty()) started[0]++;
                    out.add(o.newToken());
                    if (o.logprobs() != null) lps.add(o.logprobs());
                } else if (o.finished() && out.isEmpty()) {
                    started[0]++;  // failed before its first token
                }
                if (o.finished() && o.error() != null) errors.add(o.error());
            });
        }
        while (started[0] < n) engine.step();
        EngineStats s0 = engine.stats();
        long t0 = System.nanoTime();
        engine.runUntilIdle();
        double sec = (System.nanoTime() - t0) / 1e9;
        EngineStats s1 = engine.stats();
        if (!errors.isEmpty()) throw new IllegalStateException("a request failed: " + errors.getFirst());
        return new DecodeRun(sec, s0, s1, tokens.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toList(), logprobs);
    }
}
