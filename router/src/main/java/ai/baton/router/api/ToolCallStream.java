package ai.baton.router.api;

import java.util.ArrayList;
import java.util.List;

/**
 * Streaming side of {@link ToolCallParser} for one choice, as OpenAI streams tool calls: text is released as content
 * until a tool-call block starts (a tail that could still become {@code <tool_call>} is held back). From there each
 * block becomes a call: its first delta, once the call's name is complete, carries the index, id, type and name; later
 * ones carry the next piece of the arguments text as the model writes it. The pieces add up to the arguments that a
 * one-shot answer gives. Text between and after blocks is dropped, as {@link ToolCallParser#parse} drops it. If no
 * call could be started before the end (no block with a name), the held text is parsed whole at the end: calls if it
 * holds them, else content.
 */
final class ToolCallStream {
    private final StringBuilder held = new StringBuilder();
    private boolean inCalls;
    /** The calls started so far: their ids and how much of their arguments text has been sent. */
    private final List<String> ids = new ArrayList<>();
    private final List<Integer> argsSent = new ArrayList<>();

    /** A piece of one call: {@code id} and {@code name} only in its first delta. */
    record Delta(int index, String id, String name, String arguments) {}

    /** What one feed releases: content and call deltas. */
    record Update(String content, List<Delta> calls) {}

    /** What the end of the choice releases: leftover content and the calls' last deltas. */
    record End(String content, List<Delta> calls) {}

    /** Adds generated text; returns what can be sent now. */
    Update feed(String delta) {
        held.append(delta);
        if (!inCalls) {
            int at = held.indexOf(ToolCallParser.OPEN);
            if (at < 0) return new Update(take(held.length() - TagPrefix.atEnd(held, ToolCallParser.OPEN)), List.of());
            inCalls = true;
            return new Update(take(at), advance());
        }
        return new Update("", advance());
    }

    End finish() {
        if (!inCalls) return new End(take(held.length()), List.of());
        if (ids.isEmpty()) {
            String rest = take(held.length());
            ToolCallParser.Parsed p = ToolCallParser.parse(rest);
            if (p == null) return new End(rest, List.of());
            List<Delta> whole = new ArrayList<>();
            for (ToolCallParser.ToolCall c : p.calls()) whole.add(new Delta(whole.size(), c.id(), c.name(), c.arguments()));
            ids.addAll(whole.stream().map(Delta::id).toList());
            return new End("", whole);
        }
        List<Delta> out = new ArrayList<>();
        List<String> bodies = bodies(true);
        for (int k = 0; k < ids.size() && k < bodies.size(); k++) {
            String body = bodies.get(k);
            ToolCallParser.Progress p = ToolCallParser.scan(body);
            String rest;
            if (p.argsContainer()) {
                int end = p.argsEnd() >= 0 ? p.argsEnd() : body.length();
                rest = body.substring(Math.min(end, p.argsStart() + argsSent.get(k)), end);
            } else {
                rest = argumentsWhole(body);  // a string or no arguments: not streamed, sent now
            }
            if (!rest.isEmpty()) out.add(new Delta(k, null, null, rest));
        }
        held.setLength(0);
        return new End("", out);
    }

    /** Whether any call was sent (the finish reason is then "tool_calls"). */
    boolean calledTools() { return !ids.isEmpty(); }

    /** Starts calls whose names are complete and sends their new arguments text. */
    private List<Delta> advance() {
        List<Delta> out = new ArrayList<>();
        List<String> bodies = bodies(false);
        // calls before the last started one are closed, and were sent whole when the next one started
        for (int k = Math.max(0, ids.size() - 1); k < bodies.size(); k++) {
            String body = bodies.get(k);
            ToolCallParser.Progress p = ToolCallParser.scan(body);
            String id = null, name = null;
            if (k == ids.size()) {
                if (p.name() == null) break;  // this call cannot start yet, nor any after it
                id = ToolCallParser.newId();
                name = p.name();
                ids.add(id);
                argsSent.add(0);
            }
            String piece = "";
            if (p.argsContainer() && p.argsStart() >= 0) {
                int end = p.argsEnd() >= 0 ? p.argsEnd() : body.length();
                int from = p.argsStart() + argsSent.get(k);
                if (end > from) {
                    piece = body.substring(from, end);
                    argsSent.set(k, argsSent.get(k) + piece.length());
                }
            }
            if (id != null || !piece.isEmpty()) out.add(new Delta(k, id, name, piece));
        }
        return out;
    }

    /**
     * The JSON text of each block held so far ({@link ToolCallParser#blocks}); unless {@code atEnd}, an unclosed last
     * block's tail that could still become {@code </tool_call>} is left out.
     */
    private List<String> bodies(boolean atEnd) {
        List<String> out = new ArrayList<>();
        for (ToolCallParser.Block b : ToolCallParser.blocks(held.toString())) {
            String body = b.body();
            out.add(b.closed() || atEnd ? body : body.substring(0, body.length() - TagPrefix.atEnd(body, ToolCallParser.CLOSE)));
        }
        return out;
    }

    /** The arguments of a call that could not be streamed (a string, or none), from its whole text ("" if broken). */
    private static String argumentsWhole(String body) {
        ToolCallParser.ToolCall c = ToolCallParser.call(body);
        return c == null ? "" : c.arguments();
    }

    private String take(int n) {
        String out = held.substring(0, n);
        held.delete(0, n);
        return out;
    }
}
