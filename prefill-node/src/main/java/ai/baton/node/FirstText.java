package ai.baton.node;

import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sched.StopChecker;
import ai.baton.engine.tokenizer.Tokenizer;

import java.util.Set;

/**
 * The text a collocated engine would release for a request's first token: what the engine's own stop checker
 * releases for that token from a fresh decoder (text that could still start a stop string held back, cut at a stop
 * string it contains). The prefill node returns it with the first token, and the decode node leaves it out of its
 * stream, so the client sees every character exactly once.
 */
public final class FirstText {
    private FirstText() {}

    public static String of(Tokenizer tokenizer, Set<Integer> eos, int token, SamplingParams params) {
        if (tokenizer == null) return "";
        boolean text = StopChecker.isText(tokenizer.isSpecial(token), StopChecker.endsSequence(token, eos, params), params);
        return new StopChecker(tokenizer.newDecoder(), params.stop(), params.includeStopStr())
                .add(token, text, 1 >= params.minTokens());
    }
}
