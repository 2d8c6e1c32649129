package ai.baton.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * OpenAI's Responses API request in the chat path's terms ({@link RequestParser} runs a /v1/responses request as a
 * chat request): its input as chat messages, its text.format as a response_format, and the chat path's 400s renamed to
 * the Responses API's fields.
 */
final class ResponsesRequest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResponsesRequest() {}

    /** The chat path's 400s in the Responses API's names: messages are the input, max_tokens max_output_tokens. */
    static ApiException asResponsesError(ApiException e) {
        String p = e.param();
        if (p == null) return e;
        String q = p.startsWith("messages") ? "input" : p.equals("max_tokens") ? "max_output_tokens"
                : p.startsWith("response_format") ? "text.format" : p;
        if (q.equals(p)) return e;
        return new ApiException(e.status(), e.type(), e.getMessage(), q, e.code(), e.retryAfterSeconds());
    }

    /** The Responses API's input as chat messages: a string is one user message; a list holds message items. */
    static void input(Fields f, ArrayNode messages) {
        JsonNode in = f.node("input");
        if (in == null) throw f.bad("input", "'input' is required.");
        if (in.isTextual()) {
            messages.addObject().put("role", "user").put("content", in.textValue());
            return;
        }
        if (!in.isArray()) throw f.bad("input", "'input' must be a string or a list of messages, got " + Fields.describe(in) + ".");
        if (in.isEmpty()) throw f.bad("input", "'input' must not be empty.");
        int i = 0;
        for (JsonNode item : in) {
            String where = "input[" + i++ + "]";
            if (!item.isObject()) throw ApiException.badRequest("'" + where + "' must be a message object, got " + Fields.describe(item) + ".", where);
            JsonNode type = item.get("type");
            if (type != null && !type.isNull() && !(type.isTextual() && type.textValue().equals("message")))
                throw ApiException.badRequest("'" + where + ".type' " + type + " is not supported: only message items (text) are.", where + ".type");
            JsonNode role = item.get("role");
            if (role == null || !role.isTextual() || !List.of("user", "assistant", "system", "developer").contains(role.textValue()))
                throw ApiException.badRequest("'" + where + ".role' must be one of \"user\", \"assistant\", \"system\", \"developer\".", where + ".role");
            String r = role.textValue().equals("developer") ? "system" : role.textValue();
            messages.addObject().put("role", r).put("content", content(item.get("content"), where + ".content"));
        }
    }

    /** A message item's content: a string, or input_text / output_text parts (joined by newlines, as chat's parts are). */
    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) throw ApiException.badRequest("'" + where + "' is required.", where);
        if (c.isTextual()) return c.textValue();
        if (!c.isArray()) throw ApiException.badRequest("'" + where + "' must be a string or a list of content parts, got " + Fields.describe(c) + ".", where);
        StringBuilder sb = new StringBuilder();
        int j = 0;
        for (JsonNode part : c) {
            String at = where + "[" + j++ + "]";
            if (!part.isObject()) throw ApiException.badRequest("'" + at + "' must be a content part object, got " + Fields.describe(part) + ".", at);
            String type = part.path("type").isTextual() ? part.get("type").textValue() : null;
            if (!"input_text".equals(type) && !"output_text".equals(type))
                throw ApiException.badRequest("Content part type " + (type == null ? "(missing)" : "\"" + type + "\"")
                        + " is not supported: only \"input_text\" and \"output_text\" (text only).", at + ".type");
            JsonNode text = part.get("text");
            if (text == null || !text.isTextual()) throw ApiException.badRequest("'" + at + ".text' must be a string.", at + ".text");
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(text.textValue());
        }
        return sb.toString();
    }

    /**
     * text.format as chat's response_format: null for plain text; json_object as is; json_schema's name, schema and
     * strict moved under "json_schema".
     */
    static ObjectNode textFormat(Fields f) {
        ObjectNode text = f.optObject("text");
        if (text == null) return null;
        Fields t = new Fields(text, "text.");
        ObjectNode format = t.optObject("format");
        if (format == null) return null;
        Fields fm = new Fields(format, "text.format.");
        String type = fm.optString("type");
        if (type == null) throw fm.bad("type", "'text.format.type' is required.");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> JSON.createObjectNode().put("type", "json_object");
            case "json_schema" -> {
                JsonNode schema = format.get("schema");
                if (schema == null || !(schema.isObject() || schema.isBoolean()))
                    throw fm.bad("schema", "'text.format.schema' must be a JSON schema object.");
                ObjectNode rf = JSON.createObjectNode().put("type", "json_schema");
                ObjectNode js = rf.putObject("json_schema");
                js.set("schema", schema);
                if (format.has("name")) js.set("name", format.get("name"));
                yield rf;
            }
            default -> throw fm.bad("type", "'text.format.type' must be \"text\", \"json_object\" or \"json_schema\", got \"" + type + "\".");
        };
    }
}
