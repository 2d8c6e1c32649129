package ai.baton.router.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Tool calls in a model's text, in the Hermes format that Qwen's chat templates ask for (vLLM's "hermes" parser):
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, one block per call. The text before the first
 * block is the message's content; text between or after blocks is dropped, as vLLM does. A block that is not such a
 * JSON object means the text is not a tool call at all and stays content. A call's arguments are the model's own
 * JSON text of the arguments object (as vLLM's json.dumps gives it for the usual formatting), so that streamed
 * argument pieces ({@link ToolCallStream}) add up to exactly what a one-shot answer holds.
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
        for (Block b : blocks(text)) {
            ToolCall c = call(b.body());  // the last may be unclosed
            if (c == null) return null;
            calls.add(c);
        }
        String content = text.substring(0, first);
        return new Parsed(content.isBlank() ? null : content, calls);
    }

    /** One block's JSON text, and whether its {@code </tool_call>} has come. */
    record Block(String body, boolean closed) {}

    /** The blocks of {@code text} in order; text before, between and after them is not part of any. */
    static List<Block> blocks(String text) {
        List<Block> out = new ArrayList<>();
        int at = text.indexOf(OPEN);
        while (at >= 0) {
            int from = at + OPEN.length();
            int end = text.indexOf(CLOSE, from);
            if (end < 0) {
                out.add(new Block(text.substring(from), false));
                break;
            }
            out.add(new Block(text.substring(from, end), true));
            at = text.indexOf(OPEN, end + CLOSE.length());
        }
        return out;
    }

    static String newId() { return "chatcmpl-tool-" + UUID.randomUUID().toString().replace("-", ""); }

    /** One block's call, or null if it is not a JSON object with a name. */
    static ToolCall call(String body) {
        JsonNode n;
        try {
            n = JSON.readTree(body.strip());
        } catch (JacksonException e) {
            return null;
        }
        if (n == null || !n.isObject() || !n.path("name").isTextual()) return null;
        return new ToolCall(newId(), n.get("name").textValue(), arguments(n.get("arguments"), body));
    }

    /** The arguments string of a whole call: the object's own text, a string's value, "{}" for none. */
    static String arguments(JsonNode args, String body) {
        if (args == null || args.isNull()) return "{}";
        if (args.isTextual()) return args.textValue();
        Progress p = scan(body);
        return p.argsEnd() >= 0 ? body.substring(p.argsStart(), p.argsEnd()) : args.toString();
    }

    /**
     * How far a call's JSON text, possibly cut short, has got: its name once the whole string is there (else null);
     * where the arguments value starts and, once its object or array has closed, ends (char offsets, -1 until then);
     * whether that value is a container (streamable piece by piece) rather than a string or scalar.
     */
    record Progress(String name, int argsStart, int argsEnd, boolean argsContainer) {}

    static Progress scan(String json) {
        String name = null;
        int argsStart = -1, argsEnd = -1;
        boolean container = false;
        try (JsonParser p = JSON.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return new Progress(null, -1, -1, false);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                if (v == null) break;
                if ("name".equals(key) && v == JsonToken.VALUE_STRING) {
                    name = p.getText();
                } else if ("arguments".equals(key)) {
                    argsStart = (int) p.currentTokenLocation().getCharOffset();
                    container = v.isStructStart();
                    if (container) {
                        p.skipChildren();
                        argsEnd = (int) p.currentLocation().getCharOffset();
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // cut short (or not JSON): what was read so far stands
        }
        return new Progress(name, argsStart, argsEnd, container);
    }
}
