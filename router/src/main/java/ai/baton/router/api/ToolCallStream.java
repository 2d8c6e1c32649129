package ai.baton.router.api;

import java.util.List;

/**
 * Streaming side of {@link ToolCallParser} for one choice: text is released as content until a tool-call block
 * starts (a tail that could still become {@code <tool_call>} is held back); from there everything is kept, and at
 * the end it is parsed into calls, or released as content if it is not one.
 */
final class ToolCallStream {
    private final StringBuilder held = new StringBuilder();
    private boolean inCalls;

    /** What the end of the choice releases: leftover content and the calls, if any. */
    record End(String content, List<ToolCallParser.ToolCall> calls) {}

    /** Adds generated text; returns the content that can be sent now. */
    String feed(String delta) {
        held.append(delta);
        if (inCalls) return "";
        int at = held.indexOf(ToolCallParser.OPEN);
        if (at >= 0) {
            inCalls = true;
            return take(at);
        }
        return take(held.length() - partialOpenAtEnd());
    }

    End finish() {
        String rest = held.toString();
        held.setLength(0);
        if (inCalls) {
            ToolCallParser.Parsed p = ToolCallParser.parse(rest);
            if (p != null) return new End("", p.calls());
        }
        return new End(rest, List.of());
    }

    private String take(int n) {
        String out = held.substring(0, n);
        held.delete(0, n);
        return out;
    }

    /** The length of the longest tail of the held text that is a proper prefix of {@code <tool_call>}. */
    private int partialOpenAtEnd() {
        String open = ToolCallParser.OPEN;
        for (int k = Math.min(open.length() - 1, held.length()); k > 0; k--)
            if (open.startsWith(held.substring(held.length() - k))) return k;
        return 0;
    }
}
