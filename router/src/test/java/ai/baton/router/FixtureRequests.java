package ai.baton.router;

import ai.baton.router.testing.Http;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Request bodies for the qwen3-text-tiny fixture cases: greedy, ignore_eos, 20 tokens. */
public final class FixtureRequests {
    private FixtureRequests() {}

    public static String path(JsonNode c) {
        return c.path("kind").asText().equals("chat") ? "/v1/chat/completions" : "/v1/completions";
    }

    public static String body(JsonNode c, boolean stream, boolean includeUsage) {
        ObjectNode o = Http.JSON.createObjectNode();
        o.put("model", "qwen3-text-tiny");
        if (c.path("kind").asText().equals("chat")) {
            o.set("messages", c.get("messages"));
            o.set("chat_template_kwargs", c.get("chat_template_kwargs"));
        } else {
            o.put("prompt", c.path("prompt_text").asText());
        }
        o.put("temperature", 0);
        o.put("max_tokens", 20);
        o.put("ignore_eos", true);
        if (stream) {
            o.put("stream", true);
            if (includeUsage) o.putObject("stream_options").put("include_usage", true);
        }
        return o.toString();
    }

    /** The text of a one-shot completion or chat answer. */
    public static String text(JsonNode reply) {
        JsonNode ch = reply.path("choices").get(0);
        return ch.has("text") ? ch.path("text").asText() : ch.path("message").path("content").asText();
    }
}
