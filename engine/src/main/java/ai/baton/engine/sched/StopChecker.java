package ai.baton.engine.sched;

import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.tokenizer.IncrementalDecoder;

import java.util.List;
import java.util.Set;

/**
 * Turns a sequence's tokens into streamed text and finds stop strings in it. Text that could still be the start
 * of a stop string is held back, so a client never sees part of a stop string. The earliest match of any stop string
 * ends the text; the stop string itself is left out (OpenAI semantics) unless {@code includeStop} (vLLM's
 * include_stop_str_in_output). Special tokens are not text unless the request keeps them (see {@link #isText}).
 */
public final class StopChecker {
    private final IncrementalDecoder decoder;
    private final List<String> stops;
    private final boolean includeStop;
    private final int holdBack;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopChecker(IncrementalDecoder decoder, List<String> stops, boolean includeStop) {
        this.decoder = decoder;
        this.stops = stops;
        this.includeStop = includeStop;
        int longest = 0;
        for (String s : stops) longest = Math.max(longest, s.length());
        this.holdBack = Math.max(0, longest - 1);
    }

    /** Whether a sampled token ends its sequence: EOS (unless ignored) or one of the request's stop token ids. */
    public static boolean endsSequence(int token, Set<Integer> eos, SamplingParams p) {
        return (!p.ignoreEos() && eos.contains(token)) || p.stopTokenIds().contains(token);
    }

    /**
     * Whether a token's text is output. Special tokens are not text (skip_special_tokens, as OpenAI servers do) unless
     * the request keeps them; even then the special token that ends the sequence is text only with includeStopStr, as
     * in vLLM.
     */
    public static boolean isText(boolean special, boolean endsSequence, SamplingParams p) {
        return !special || (p.keepSpecialTokens() && (!endsSequence || p.includeStopStr()));
    }

    /**
     * Adds a token; returns the text that can be released now. A token that is not text ({@link #isText}) adds
     * nothing. Stop strings are looked for only when {@code canStop}.
     */
    public String add(int token, boolean text, boolean canStop) {
        if (stopped || !text) return "";
        pending.append(decoder.next(token));
        if (canStop) {
            int at = -1, len = 0;
            for (String s : stops) {
                int i = pending.indexOf(s);
                if (i >= 0 && (at < 0 || i < at)) {
                    at = i;
                    len = s.length();
                }
            }
            if (at >= 0) {
                stopped = true;
                String out = pending.substring(0, includeStop ? at + len : at);
                pending.setLength(0);
                return out;
            }
        }
        int release = pending.length() - holdBack;
        if (release <= 0) return "";
        // Never split a surrogate pair.
        if (Character.isHighSurrogate(pending.charAt(release - 1))) release--;
        String out = pending.substring(0, release);
        pending.delete(0, release);
        return out;
    }

    boolean stopped() { return stopped; }

    /** Whatever is held back, at the end of the sequence. */
    String flush() {
        if (stopped) return "";
        pending.append(decoder.flush());
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }
}
