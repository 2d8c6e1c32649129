package ai.baton.router.api;

import ai.baton.engine.guide.GuideSpec;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat tool_choice that forces a call, as vLLM serves it: the output is guided (structured outputs) into JSON
 * rather than the chat template's tool-call blocks, and the answer's {@code tool_calls} are made from that JSON.
 * <ul>
 *   <li>{@code {"type": "function", "function": {"name": N}}}: the output is N's arguments object (its
 *       {@code parameters} schema), and becomes one call of N whose arguments are that text; streamed, the text goes
 *       out as the call's argument pieces.</li>
 *   <li>{@code "required"}: the output is a non-empty JSON array of {@code {"name": ..., "parameters": {...}}}, one of
 *       the tools each; each element becomes a call whose arguments are its {@code parameters} text as written.
 *       Streamed ({@link RequiredToolCallStream}), each call goes out as OpenAI streams them: its id and name as soon
 *       as the name is complete, then its arguments piece by piece.</li>
 * </ul>
 *
 * @param name the forced function, or null for "required"
 */
record ForcedToolCall(String name, GuideSpec guide) {
    private static final ObjectMapper JSON = new ObjectMapper();

    boolean required() { return name == null; }

    /** The request's forcing tool_choice, or null when it does not force one (absent, "auto" or "none"). */
    static ForcedToolCall parse(Fields f) {
        JsonNode choice = f.node("tool_choice");
        if (choice == null || (choice.isTextual() && (choice.textValue().equals("auto") || choice.textValue().equals("none")))) return null;
        JsonNode tools = f.node("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty())
            throw f.bad("tool_choice", "A 'tool_choice' that forces a call needs 'tools'.");
        if (choice.isTextual() && choice.textValue().equals("required")) {
            ArrayNode options = JSON.createArrayNode();
            for (JsonNode t : tools) {
                ObjectNode o = options.addObject();
                o.put("type", "object");
                ObjectNode props = o.putObject("properties");
                props.putObject("name").put("const", functionName(f, t));
                props.set("parameters", parameters(t));
                o.putArray("required").add("name").add("parameters");
                o.put("additionalProperties", false);
            }
            ObjectNode schema = JSON.createObjectNode();
            schema.put("type", "array");
            schema.put("minItems", 1);
            schema.putObject("items").set("anyOf", options);
            return new ForcedToolCall(null, GuideSpec.jsonSchema(schema.toString()));
        }
        JsonNode wanted = choice.path("function").path("name");
        if (!choice.isObject() || !"function".equals(choice.path("type").asText()) || !wanted.isTextual())
            throw f.bad("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        for (JsonNode t : tools)
            if (wanted.textValue().equals(functionName(f, t))) return new ForcedToolCall(wanted.textValue(), GuideSpec.jsonSchema(parameters(t).toString()));
        throw f.bad("tool_choice", "'tool_choice' names the function '" + wanted.textValue() + "', which is not among the tools.");
    }

    private static String functionName(Fields f, JsonNode tool) {
        JsonNode n = tool.path("function").path("name");
        if (!n.isTextual()) throw f.bad("tools", "Every tool needs 'function': {\"name\": ...}.");
        return n.textValue();
    }

    /** A function's parameters schema; none means an object of any properties. */
    private static JsonNode parameters(JsonNode tool) {
        JsonNode p = tool.path("function").path("parameters");
        return p.isObject() ? p : JSON.createObjectNode().put("type", "object");
    }

    /**
     * The calls an output makes; empty when it is not (yet) what the guide makes (e.g. cut off by max_tokens). For
     * "required", a call's arguments are the raw text of its element's {@code parameters} value, as the model wrote it
     * (what {@link RequiredToolCallStream} streams piece by piece); an element that is not an object or has no string
     * name makes no call, the first "name" and "parameters" of an element count, and no "parameters" is "{}".
     */
    List<ToolCallParser.ToolCall> calls(String text) {
        if (!required()) return List.of(new ToolCallParser.ToolCall(ToolCallParser.newId(), name, text));
        List<ToolCallParser.ToolCall> out = new ArrayList<>();
        try (JsonParser p = JSON.getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_ARRAY) return List.of();
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) return List.of();  // cut off
                if (t != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                String callName = null, arguments = null;
                boolean hasName = false;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken v = p.nextToken();
                    if (v == null) return List.of();
                    if (key.equals("name") && !hasName) {
                        hasName = true;
                        if (v == JsonToken.VALUE_STRING) callName = p.getText();
                    } else if (key.equals("parameters") && arguments == null) {
                        int start = (int) p.currentTokenLocation().getCharOffset();
                        if (v.isStructStart()) p.skipChildren();
                        else p.getText();  // reads a string to its closing quote
                        arguments = text.substring(start, (int) p.currentLocation().getCharOffset());
                    } else {
                        p.skipChildren();
                    }
                }
                if (t != JsonToken.END_OBJECT) return List.of();
                if (callName != null) out.add(new ToolCallParser.ToolCall(ToolCallParser.newId(), callName, arguments != null ? arguments : "{}"));
            }
        } catch (IOException e) {
            return List.of();  // not JSON (or cut off)
        }
        return out;
    }

    /**
     * The finish reason of an answer that made calls or not: "tool_calls" for "required", as generated for a named
     * function (as OpenAI). An output cut off (by max_tokens) keeps its own ("length"), as vLLM's, even where the
     * stream has already sent the calls it had started.
     */
    String finishReason(String generated, boolean madeCalls) {
        return required() && madeCalls ? "tool_calls" : generated;
    }
}
