package ai.baton.router.api;

/**
 * Splits a thinking model's answer into reasoning and content, as vLLM's "qwen3" reasoning parser does (Qwen3,
 * DeepSeek-R1 style): text from {@code <think>} to {@code </think>} is {@code reasoning_content}, the rest content.
 * An answer without {@code </think>} is all content. One instance per streamed choice: {@link #feed} releases each
 * piece to one side, holding back a tail that could still become {@code </think>}.
 */
final class ReasoningSplit {
    static final String OPEN = "<think>", CLOSE = "</think>";

    /** A piece of text on each side; either may be empty ({@code reasoning} null for a whole answer with none). */
    record Parts(String reasoning, String content) {}

    /** A whole answer. */
    static Parts split(String text) {
        if (!text.contains(CLOSE)) return new Parts(null, text);
        int open = text.indexOf(OPEN);
        String rest = open >= 0 && open < text.indexOf(CLOSE) ? text.substring(open + OPEN.length()) : text;
        int close = rest.indexOf(CLOSE);
        return new Parts(rest.substring(0, close), rest.substring(close + CLOSE.length()));
    }

    private enum State { START, REASONING, CONTENT }

    private final StringBuilder held = new StringBuilder();
    private State state = State.START;

    /** Adds generated text; returns what can be sent now on each side. */
    Parts feed(String delta) {
        held.append(delta);
        if (state == State.START) {
            String s = held.toString().stripLeading();
            if (s.isEmpty() || (OPEN.startsWith(s) && s.length() < OPEN.length())) return new Parts("", "");  // undecided
            if (!s.startsWith(OPEN)) {
                state = State.CONTENT;
            } else {
                state = State.REASONING;
                held.setLength(0);
                held.append(s.substring(OPEN.length()));
            }
        }
        if (state == State.CONTENT) return new Parts("", take(held.length()));
        int close = held.indexOf(CLOSE);
        if (close >= 0) {
            String reasoning = take(close);
            held.delete(0, CLOSE.length());
            state = State.CONTENT;
            return new Parts(reasoning, take(held.length()));
        }
        return new Parts(take(held.length() - TagPrefix.atEnd(held, CLOSE)), "");
    }

    /** The end of the answer: whatever is held back, on its side. */
    Parts finish() {
        String rest = take(held.length());
        return state == State.REASONING ? new Parts(rest, "") : new Parts("", rest);
    }

    private String take(int n) {
        String out = held.substring(0, n);
        held.delete(0, n);
        return out;
    }
}
