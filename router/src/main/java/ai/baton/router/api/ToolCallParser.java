package ai.baton.router.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Tool calls in a model's text, in the Hermes format that Qwen's chat templates ask for (vLLM's "hermes" parser):
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, one block per call. The text before the first
 * block is the message's content; text between or after blocks is dropped, as vLLM does. A block that is not such a
 * JSON object means the text is not a tool call at all and stays content.
 */
final class ToolCallParser {
    static final String OPEN = "<tool_call>", CLOSE = "</tool_call>";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCallParser() {}

    /** One call: {@code arguments} is the JSON text of the arguments object (OpenAI sends it as a string). */
    record ToolCall(String id, String name, String arguments) {}

    /** {@code content} is null when nothing precedes the first call. */
    record Parsed(String content, List<ToolCall> calls) {}

    /** The calls in {@code text}, or null when it holds none (or a block that is not a call). */
    static Parsed parse(String text) {
        int first = text.indexOf(OPEN);
        if (first < 0) return null;
        List<ToolCall> calls = new ArrayList<>();
        int at = first;
        while (at >= 0) {
            int from = at + OPEN.length();
            int end = text.indexOf(CLOSE, from);
            ToolCall c = call(end < 0 ? text.substring(from) : text.substring(from, end)); // the last may be unclosed
            if (c == null) return null;
            calls.add(c);
            if (end < 0) break;
            at = text.indexOf(OPEN, end + CLOSE.length());
        }
        String content = text.substring(0, first);
        return new Parsed(content.isBlank() ? null : content, calls);
    }

    private static ToolCall call(String body) {
        JsonNode n;
        try {
            n = JSON.readTree(body.strip());
        } catch (JacksonException e) {
            return null;
        }
        if (n == null || !n.isObject() || !n.path("name").isTextual()) return null;
        JsonNode args = n.get("arguments");
        String arguments;
        if (args == null || args.isNull()) arguments = "{}";
        else if (args.isTextual()) arguments = args.textValue();
        else arguments = args.toString();
        return new ToolCall("chatcmpl-tool-" + UUID.randomUUID().toString().replace("-", ""), n.get("name").textValue(), arguments);
    }
}
