package ai.baton.router.api;

import ai.baton.proto.Sampling;
import ai.baton.router.dispatch.GenRequest;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    private static final String TOOLS = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\"}}},"
            + " {\"type\": \"function\", \"function\": {\"name\": \"get_time\"}}]";
    /** tool_choice "required"'s guided output: two calls, the first with nesting and escapes in its arguments. */
    private static final String ARGS0 = "{\"city\": \"Paris\", \"note\": \"a}\\\"b]\", \"days\": [1, {\"x\": 2}]}", ARGS1 = "{\"utc\": true}";
    private static final String REQUIRED = "[{\"name\": \"get_weather\", \"parameters\": " + ARGS0 + "},\n {\"name\": \"get_time\", \"parameters\": " + ARGS1 + "}]";

    private static ChatFormat required(boolean stream) throws Exception {
        ObjectNode body = (ObjectNode) new ObjectMapper().readTree("{" + TOOLS + ", \"tool_choice\": \"required\"}");
        ForcedToolCall forced = ForcedToolCall.parse(new Fields(body, ""));
        assertTrue(forced.required());
        GenRequest g = new GenRequest("chatcmpl-x", new int[]{1, 2}, Sampling.getDefaultInstance(), 0);
        return new ChatFormat(new ApiRequest(Endpoint.CHAT, List.of(g), stream, false, -1, 1, false, false).withForcedTool(forced), TestRouter.model(), 0);
    }

    /** The deltas of a streamed choice, the finish chunk's last; {@code text} comes in pieces of 3 characters. */
    private static List<JsonNode> streamed(ChatFormat f, String text, String finish) {
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < text.length(); i += 3) {
            ObjectNode c = f.streamDelta(0, text.substring(i, Math.min(text.length(), i + 3)), List.of(), List.of());
            if (c != null) out.add(c.path("choices").get(0));
        }
        out.add(f.streamFinish(0, finish, new Usage(2, 9, 0)).path("choices").get(0));
        return out;
    }

    /** Each call's arguments as the client joins them, by index, checking that the id, type and name come first and once. */
    private static List<String[]> joinCalls(List<JsonNode> choices) {
        List<String[]> calls = new ArrayList<>();  // id, name, arguments
        for (JsonNode ch : choices) {
            JsonNode d = ch.path("delta");
            assertFalse(d.has("content"), "no content beside tool calls: " + d);
            for (JsonNode call : d.path("tool_calls")) {
                int k = call.path("index").asInt();
                JsonNode fn = call.path("function");
                if (k == calls.size()) {
                    assertTrue(call.path("id").asText().startsWith("chatcmpl-tool-"), call.toString());
                    assertEquals("function", call.path("type").asText());
                    assertTrue(fn.path("name").isTextual(), call.toString());
                    calls.add(new String[]{call.path("id").asText(), fn.path("name").asText(), fn.path("arguments").asText()});
                } else {
                    assertTrue(k < calls.size(), "calls start in index order");
                    assertFalse(call.has("id") || call.has("type") || fn.has("name"), "id, type and name come once: " + call);
                    calls.get(k)[2] += fn.path("arguments").asText();
                }
            }
        }
        return calls;
    }

    /** tool_choice "required" streamed as OpenAI and vLLM stream calls, and agreeing with the one-shot answer. */
    @Test
    void requiredStreamsEachCall() throws Exception {
        List<JsonNode> choices = streamed(required(true), REQUIRED, "stop");
        JsonNode last = choices.getLast();
        assertEquals("tool_calls", last.path("finish_reason").asText());
        JsonNode first = choices.getFirst().path("delta").path("tool_calls").get(0);
        assertEquals("", first.path("function").path("arguments").asText(), "the name goes out before the arguments: " + first);
        assertTrue(first.path("function").path("arguments").isTextual());
        List<String[]> calls = joinCalls(choices);
        assertEquals(2, calls.size());
        assertEquals("get_weather", calls.get(0)[1]);
        assertEquals(ARGS0, calls.get(0)[2]);
        assertEquals("get_time", calls.get(1)[1]);
        assertEquals(ARGS1, calls.get(1)[2]);
        assertFalse(calls.get(0)[0].equals(calls.get(1)[0]), "each call its own id");
        long withCalls = choices.stream().filter(c -> c.path("delta").has("tool_calls")).count();
        assertTrue(withCalls > ARGS0.length() / 3, "arguments streamed in pieces, got " + withCalls + " chunks");
        assertTrue(last.path("delta").path("tool_calls").isMissingNode(), "nothing left for the end: " + last);

        JsonNode c = required(false).full(List.of(new ResponseFormat.Choice(REQUIRED, List.of(), List.of(), "stop", null)),
                new Usage(2, 9, 0)).path("choices").get(0);
        assertEquals("tool_calls", c.path("finish_reason").asText());
        assertTrue(c.path("message").path("content").isNull());
        JsonNode oneShot = c.path("message").path("tool_calls");
        assertEquals(2, oneShot.size());
        for (int k = 0; k < 2; k++) {
            assertEquals(calls.get(k)[1], oneShot.get(k).path("function").path("name").asText());
            assertEquals(calls.get(k)[2], oneShot.get(k).path("function").path("arguments").asText(), "the same raw arguments text");
        }
    }

    /** Cut off by max_tokens: the started calls have been sent and the finish reason stays "length"; before any name, content. */
    @Test
    void requiredCutOff() throws Exception {
        String cut = REQUIRED.substring(0, REQUIRED.indexOf("\"days\""));
        List<JsonNode> choices = streamed(required(true), cut, "length");
        assertEquals("length", choices.getLast().path("finish_reason").asText());
        List<String[]> calls = joinCalls(choices);
        assertEquals(1, calls.size());
        assertEquals("get_weather", calls.getFirst()[1]);
        assertEquals(ARGS0.substring(0, ARGS0.indexOf("\"days\"")), calls.getFirst()[2]);

        String early = "[{\"name\": \"get_wea";
        choices = streamed(required(true), early, "length");
        assertEquals(1, choices.size(), "nothing before the end");
        assertEquals(early, choices.getLast().path("delta").path("content").asText());
        assertFalse(choices.getLast().path("delta").has("tool_calls"));
        assertEquals("length", choices.getLast().path("finish_reason").asText());
    }
}
