package ai.baton.node;

import ai.baton.engine.tokenizer.Tokenizer;

import java.util.List;

/**
 * The text a collocated engine would release for a request's first token: the token decoded from a fresh decoder,
 * minus whatever could still start a stop string (held back), cut at a stop string that it contains. The prefill
 * node returns it with the first token, and the decode node leaves it out of its stream, so the client sees every
 * character exactly once. Mirrors the engine's stop checker for the first token.
 */
public final class FirstText {
    private FirstText() {}

    public static String of(Tokenizer tokenizer, int token, List<String> stops) {
        if (tokenizer == null || tokenizer.isSpecial(token)) return "";
        String text = tokenizer.newDecoder().next(token);
        int longest = 0;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0) return text.substring(0, at);
            longest = Math.max(longest, s.length());
        }
        int release = text.length() - Math.max(0, longest - 1);
        if (release <= 0) return "";
        if (Character.isHighSurrogate(text.charAt(release - 1))) release--;
        return text.substring(0, release);
    }
}
