package ai.baton.router.api;

/** Streamed text held back because its tail could still become a tag ({@code <tool_call>}, {@code </think>}, ...). */
final class TagPrefix {
    private TagPrefix() {}

    /** The length of the longest tail of {@code s} that is a proper prefix of {@code tag} (0 if none). */
    static int atEnd(CharSequence s, String tag) {
        for (int k = Math.min(tag.length() - 1, s.length()); k > 0; k--)
            if (tag.startsWith(s.subSequence(s.length() - k, s.length()).toString())) return k;
        return 0;
    }
}
