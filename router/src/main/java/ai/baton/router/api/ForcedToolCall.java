package ai.baton.router.api;

import ai.baton.engine.guide.GuideSpec;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
 *       the tools each; each element becomes a call. Streamed, the calls go out whole at the end.</li>
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

    /** The calls an output makes; empty when it is not (yet) what the guide makes (e.g. cut off by max_tokens). */
    List<ToolCallParser.ToolCall> calls(String text) {
        if (!required()) return List.of(new ToolCallParser.ToolCall(ToolCallParser.newId(), name, text));
        JsonNode array;
        try {
            array = JSON.readTree(text);
        } catch (JacksonException e) {
            return List.of();
        }
        List<ToolCallParser.ToolCall> out = new ArrayList<>();
        if (array == null || !array.isArray()) return out;
        for (JsonNode c : array)
            out.add(new ToolCallParser.ToolCall(ToolCallParser.newId(), c.path("name").asText(), c.path("parameters").toString()));
        return out;
    }

    /** The finish reason of an answer whose text made {@code calls}: "tool_calls" for "required", as generated for a named function (as OpenAI). */
    String finishReason(String generated, List<ToolCallParser.ToolCall> calls) {
        return required() && !calls.isEmpty() ? "tool_calls" : generated;
    }
}
