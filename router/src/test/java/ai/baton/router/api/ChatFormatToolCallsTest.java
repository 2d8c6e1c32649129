package ai.baton.router.api;

import ai.baton.proto.Sampling;
import ai.baton.router.dispatch.GenRequest;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A chat answer that calls a tool, as the client sees it: OpenAI's tool_calls, one-shot and streamed. */
class ChatFormatToolCallsTest {
    private static final String ANSWER = "Checking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    private static ChatFormat format(boolean stream) { return format(stream, false); }

    private static ChatFormat format(boolean stream, boolean reasoning) {
        GenRequest g = new GenRequest("chatcmpl-x", new int[]{1, 2}, Sampling.getDefaultInstance(), 0);
        return new ChatFormat(new ApiRequest(Endpoint.CHAT, List.of(g), stream, false, -1, 1, true, reasoning), TestRouter.model(), 0);
    }

    /** Qwen3 thinks, then calls: reasoning_content, content before the call, tool_calls; one-shot and streamed. */
    @Test
    void reasoningThenACall() {
        String answer = "<think>\nNeed the weather.\n</think>\n\n" + ANSWER;
        JsonNode msg = format(false, true).full(List.of(new ResponseFormat.Choice(answer, List.of(), List.of(), "stop", null)),
                new Usage(2, 9, 0)).path("choices").get(0).path("message");
        assertEquals("\nNeed the weather.\n", msg.path("reasoning_content").asText());
        assertEquals("\n\nChecking.\n", msg.path("content").asText());
        assertEquals("get_weather", msg.path("tool_calls").get(0).path("function").path("name").asText());

        ChatFormat f = format(true, true);
        StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
        List<JsonNode> deltas = new ArrayList<>();
        for (int i = 0; i < answer.length(); i += 2) {
            ObjectNode c = f.streamDelta(0, answer.substring(i, Math.min(answer.length(), i + 2)), List.of(), List.of());
            if (c != null) deltas.add(c.path("choices").get(0).path("delta"));
        }
        JsonNode last = f.streamFinish(0, "stop", new Usage(2, 9, 0)).path("choices").get(0);
        deltas.add(last.path("delta"));
        for (JsonNode d : deltas) {
            reasoning.append(d.path("reasoning_content").asText(""));
            content.append(d.path("content").asText(""));
        }
        assertEquals("\nNeed the weather.\n", reasoning.toString());
        assertEquals("\n\nChecking.\n", content.toString());
        assertEquals("tool_calls", last.path("finish_reason").asText());
    }

    @Test
    void oneShot() {
        ObjectNode o = format(false).full(List.of(new ResponseFormat.Choice(ANSWER, List.of(), List.of(), "stop", null)), new Usage(2, 9, 0));
        JsonNode c = o.path("choices").get(0);
        assertEquals("tool_calls", c.path("finish_reason").asText());
        assertEquals("Checking.\n", c.path("message").path("content").asText());
        JsonNode call = c.path("message").path("tool_calls").get(0);
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals("{\"city\": \"Paris\"}", call.path("function").path("arguments").asText());
    }

    /** As OpenAI streams a call: its id, type and name first, then pieces of the arguments, then the finish reason. */
    @Test
    void streamedTokenByToken() {
        ChatFormat f = format(true);
        List<JsonNode> deltas = new ArrayList<>();
        for (int i = 0; i < ANSWER.length(); i += 3) {
            ObjectNode c = f.streamDelta(0, ANSWER.substring(i, Math.min(ANSWER.length(), i + 3)), List.of(), List.of());
            if (c != null) deltas.add(c.path("choices").get(0).path("delta"));
        }
        JsonNode last = f.streamFinish(0, "stop", new Usage(2, 9, 0)).path("choices").get(0);
        assertEquals("tool_calls", last.path("finish_reason").asText());
        assertNull(last.path("delta").get("content"));
        deltas.add(last.path("delta"));
        StringBuilder content = new StringBuilder(), args = new StringBuilder();
        String id = null, name = null;
        int callChunks = 0;
        for (JsonNode d : deltas) {
            content.append(d.path("content").asText(""));
            JsonNode tc = d.get("tool_calls");
            if (tc == null) continue;
            assertEquals(1, tc.size());
            JsonNode call = tc.get(0);
            assertEquals(0, call.path("index").asInt());
            if (call.has("id")) {
                assertNull(id, "the id comes once");
                id = call.path("id").asText();
                assertEquals("function", call.path("type").asText());
                name = call.path("function").path("name").asText();
            }
            args.append(call.path("function").path("arguments").asText());
            callChunks++;
            assertTrue(!d.has("content"), "a tool-call delta carries no content");
        }
        assertEquals("Checking.\n", content.toString(), "no part of the call leaks out as content");
        assertTrue(id.startsWith("chatcmpl-tool-"));
        assertEquals("get_weather", name);
        assertEquals("{\"city\": \"Paris\"}", args.toString(), "the pieces add up to the one-shot arguments");
        assertTrue(callChunks > 3, "arguments streamed in pieces, got " + callChunks + " chunks");
    }
}
