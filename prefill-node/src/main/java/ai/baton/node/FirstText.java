package ai.baton.node;

import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sched.StopChecker;
import ai.baton.engine.tokenizer.Tokenizer;

/**
 * The text a collocated engine would release for a request's first token: what the engine's own stop checker
 * releases for that token from a fresh decoder (text that could still start a stop string held back, cut at a stop
 * string it contains). The prefill node returns it with the first token, and the decode node leaves it out of its
 * stream, so the client sees every character exactly once.
 */
public final class FirstText {
    private FirstText() {}

    public static String of(Tokenizer tokenizer, int token, SamplingParams params) {
        if (tokenizer == null) return "";
        return new StopChecker(tokenizer.newDecoder(), params.stop(), params.includeStopStr())
                .add(token, tokenizer.isSpecial(token), 1 >= params.minTokens());
    }
}
