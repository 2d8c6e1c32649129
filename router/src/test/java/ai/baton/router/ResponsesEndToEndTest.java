package ai.baton.router;

import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenAI's Responses API (/v1/responses, text only) against real nodes: it runs the chat path (the same template and
 * sampling give the same greedy answer as /v1/chat/completions), its response and stream have OpenAI's shapes, and
 * what it cannot serve is a 400 naming the field.
 */
class ResponsesEndToEndTest {
    static RealCluster c;

    @BeforeAll
    static void up() throws Exception {
        c = new RealCluster(1, 1, RoutingConfig.defaults().withLocalPrefillThreshold(-1));
    }

    @AfterAll
    static void down() {
        c.close();
    }

    private static String text(JsonNode response) {
        JsonNode output = response.path("output");
        assertEquals(1, output.size(), response.toString());
        JsonNode item = output.get(0);
        assertEquals("message", item.path("type").asText());
        assertEquals("assistant", item.path("role").asText());
        // the message is as complete as the response: "incomplete" where max_output_tokens cut it
        assertEquals(response.path("status").asText(), item.path("status").asText(), response.toString());
        assertTrue(item.path("id").asText().startsWith("msg_"), response.toString());
        JsonNode part = item.path("content").get(0);
        assertEquals("output_text", part.path("type").asText());
        assertTrue(part.path("annotations").isArray() && part.path("annotations").isEmpty());
        return part.path("text").asText();
    }

    private static void assertUsage(JsonNode response) {
        JsonNode u = response.path("usage");
        int in = u.path("input_tokens").asInt(), out = u.path("output_tokens").asInt();
        assertTrue(in > 0 && out > 0, response.toString());
        assertEquals(in + out, u.path("total_tokens").asInt());
        assertTrue(u.path("input_tokens_details").path("cached_tokens").isInt(), response.toString());
        assertEquals(0, u.path("output_tokens_details").path("reasoning_tokens").asInt());
    }

    @Test
    void stringInputGivesACompletedResponse() {
        Http.Reply r = c.http.post("/v1/responses", "{\"model\": \"" + c.router.model().name() + "\", \"input\": \"Tell me a story.\","
                + " \"max_output_tokens\": 6, \"temperature\": 0, \"metadata\": {\"k\": \"v\"}, \"user\": \"u1\", \"store\": false}");
        assertEquals(200, r.status(), r.body());
        JsonNode o = r.json();
        assertTrue(o.path("id").asText().startsWith("resp_"), r.body());
        assertEquals("response", o.path("object").asText());
        assertTrue(o.path("created_at").asLong() > 1_600_000_000L, r.body());
        assertEquals(c.router.model().name(), o.path("model").asText());
        assertTrue(o.path("error").isNull(), r.body());
        assertEquals("v", o.path("metadata").path("k").asText(), r.body());
        assertEquals(0.0, o.path("temperature").asDouble());
        assertEquals(6, o.path("max_output_tokens").asInt());
        assertUsage(o);
        String t = text(o);
        if (o.path("status").asText().equals("completed")) assertTrue(o.path("incomplete_details").isNull(), r.body());
        else assertEquals("max_output_tokens", o.path("incomplete_details").path("reason").asText(), r.body());
        // the same as chat with one user message
        Http.Reply chat = c.http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a story.\"}],"
                + " \"max_tokens\": 6, \"temperature\": 0}");
        assertEquals(chat.json().path("choices").get(0).path("message").path("content").asText(), t);
    }

    @Test
    void messageInputWithInstructionsAnswersAsChatDoes() {
        String responses = "{\"instructions\": \"You are terse.\", \"max_output_tokens\": 12, \"temperature\": 0, \"input\": ["
                + "{\"type\": \"message\", \"role\": \"user\", \"content\": [{\"type\": \"input_text\", \"text\": \"Hi there.\"}]},"
                + "{\"role\": \"assistant\", \"content\": [{\"type\": \"output_text\", \"text\": \"Hello!\"}]},"
                + "{\"role\": \"user\", \"content\": \"What is two plus two?\"}]}";
        String chat = "{\"max_tokens\": 12, \"temperature\": 0, \"messages\": [{\"role\": \"system\", \"content\": \"You are terse.\"},"
                + "{\"role\": \"user\", \"content\": \"Hi there.\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"},"
                + "{\"role\": \"user\", \"content\": \"What is two plus two?\"}]}";
        Http.Reply r = c.http.post("/v1/responses", responses);
        assertEquals(200, r.status(), r.body());
        Http.Reply k = c.http.post("/v1/chat/completions", chat);
        assertEquals(200, k.status(), k.body());
        JsonNode choice = k.json().path("choices").get(0);
        assertEquals(choice.path("message").path("content").asText(), text(r.json()));
        assertEquals(k.json().path("usage").path("prompt_tokens").asInt(), r.json().path("usage").path("input_tokens").asInt());
        assertEquals(k.json().path("usage").path("completion_tokens").asInt(), r.json().path("usage").path("output_tokens").asInt());
        assertEquals(choice.path("finish_reason").asText().equals("length") ? "incomplete" : "completed", r.json().path("status").asText());
        assertEquals("You are terse.", r.json().path("instructions").asText());

        // "developer" is a system message
        Http.Reply d = c.http.post("/v1/responses", "{\"max_output_tokens\": 12, \"temperature\": 0, \"input\": ["
                + "{\"role\": \"developer\", \"content\": \"You are terse.\"}, {\"role\": \"user\", \"content\": \"Hi there.\"},"
                + "{\"role\": \"assistant\", \"content\": \"Hello!\"}, {\"role\": \"user\", \"content\": \"What is two plus two?\"}]}");
        assertEquals(200, d.status(), d.body());
        assertEquals(text(r.json()), text(d.json()));
    }

    @Test
    void smallMaxOutputTokensIsIncomplete() {
        Http.Reply r = c.http.post("/v1/responses", "{\"input\": \"Write a long essay about the sea.\", \"max_output_tokens\": 2, \"temperature\": 0}");
        assertEquals(200, r.status(), r.body());
        assertEquals("incomplete", r.json().path("status").asText(), r.body());
        assertEquals("max_output_tokens", r.json().path("incomplete_details").path("reason").asText(), r.body());
        assertEquals(2, r.json().path("usage").path("output_tokens").asInt(), r.body());
        assertEquals("incomplete", r.json().path("output").path(0).path("status").asText(), "the cut message item: " + r.body());
        text(r.json());
    }

    @Test
    void streamSendsOpenAisEventsInOrder() {
        String body = "{\"input\": \"Tell me about the moon.\", \"max_output_tokens\": 10, \"temperature\": 0, \"metadata\": {\"a\": \"b\"}";
        Http.Reply once = c.http.post("/v1/responses", body + "}");
        assertEquals(200, once.status(), once.body());
        Http.Events s = c.http.events("/v1/responses", body + ", \"stream\": true}");
        assertEquals(200, s.status());
        assertTrue(s.contentType().startsWith("text/event-stream"), s.contentType());
        List<String> names = new ArrayList<>();
        StringBuilder deltas = new StringBuilder();
        String itemId = null;
        for (int i = 0; i < s.events().size(); i++) {
            Http.Event e = s.events().get(i);
            assertFalse(e.data().equals("[DONE]"), "the Responses stream has no [DONE]");
            JsonNode d = e.json();
            assertEquals(e.name(), d.path("type").asText(), e.data());
            assertEquals(i, d.path("sequence_number").asInt(), e.data());
            names.add(e.name());
            if (e.name().equals("response.output_text.delta")) {
                assertEquals(0, d.path("output_index").asInt());
                assertEquals(0, d.path("content_index").asInt());
                assertEquals(itemId, d.path("item_id").asText());
                deltas.append(d.path("delta").asText());
            }
            if (e.name().equals("response.output_item.added")) {
                itemId = d.path("item").path("id").asText();
                assertEquals("in_progress", d.path("item").path("status").asText());
                assertTrue(d.path("item").path("content").isEmpty());
            }
            if (e.name().equals("response.created") || e.name().equals("response.in_progress")) {
                assertEquals("in_progress", d.path("response").path("status").asText());
                assertTrue(d.path("response").path("output").isEmpty());
            }
            if (e.name().equals("response.content_part.added")) assertEquals("", d.path("part").path("text").asText("x"));
        }
        int n = names.size();
        assertTrue(n >= 9, names.toString());
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"),
                names.subList(0, 4));
        for (String name : names.subList(4, n - 4)) assertEquals("response.output_text.delta", name);
        String last = names.get(n - 1);
        assertEquals(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done"), names.subList(n - 4, n - 1));
        JsonNode done = s.events().get(n - 4).json();
        assertEquals(deltas.toString(), done.path("text").asText());
        assertEquals(deltas.toString(), s.events().get(n - 3).json().path("part").path("text").asText());
        assertEquals(deltas.toString(), s.events().get(n - 2).json().path("item").path("content").get(0).path("text").asText());
        JsonNode fin = s.events().get(n - 1).json().path("response");
        assertEquals(once.json().path("status").asText(), fin.path("status").asText());
        assertEquals(last, "response." + fin.path("status").asText());
        assertEquals(itemId, fin.path("output").get(0).path("id").asText());
        assertEquals(text(once.json()), text(fin));
        assertEquals(deltas.toString(), text(fin));
        assertEquals("b", fin.path("metadata").path("a").asText());
        assertUsage(fin);
        assertEquals(once.json().path("usage").path("output_tokens").asInt(), fin.path("usage").path("output_tokens").asInt());
    }

    private static void assertBad(String body, String param) {
        Http.Reply r = c.http.post("/v1/responses", body);
        assertEquals(400, r.status(), r.body());
        JsonNode e = r.json().path("error");
        assertEquals("invalid_request_error", e.path("type").asText(), r.body());
        assertEquals(param, e.path("param").asText(null), r.body());
        assertTrue(e.path("message").asText().length() > 10, r.body());
    }

    @Test
    void unsupportedOrMalformedRequestsAre400sNamingTheField() throws Exception {
        assertBad("{\"input\": \"hi\", \"tools\": [{\"type\": \"function\", \"name\": \"f\", \"parameters\": {}}]}", "tools");
        assertBad("{\"input\": \"hi\", \"tool_choice\": \"required\"}", "tool_choice");
        assertBad("{\"input\": \"hi\", \"previous_response_id\": \"resp_123\"}", "previous_response_id");
        assertBad("{\"input\": \"hi\", \"reasoning\": {\"effort\": \"high\"}}", "reasoning");
        assertBad("{\"input\": [{\"role\": \"user\", \"content\": [{\"type\": \"input_image\", \"image_url\": \"http://x/y.png\"}]}]}",
                "input[0].content[0].type");
        assertBad("{\"input\": [{\"role\": \"user\", \"content\": [{\"type\": \"input_file\", \"file_id\": \"f\"}]}]}",
                "input[0].content[0].type");
        assertBad("{\"input\": [{\"type\": \"function_call_output\", \"call_id\": \"c\", \"output\": \"x\"}]}", "input[0].type");
        assertBad("{\"max_output_tokens\": 4}", "input");
        assertBad("{\"input\": 42}", "input");
        assertBad("{\"input\": []}", "input");
        assertBad("{\"input\": [\"hi\"]}", "input[0]");
        assertBad("{\"input\": [{\"role\": \"tool\", \"content\": \"x\"}]}", "input[0].role");
        assertBad("{\"input\": \"hi\", \"max_output_tokens\": \"4\"}", "max_output_tokens");
        assertBad("{\"input\": \"hi\", \"max_output_tokens\": 0}", "max_output_tokens");
        assertBad("{\"input\": \"hi\", \"temperature\": \"hot\"}", "temperature");
        assertBad("{\"input\": \"hi\", \"stream\": \"yes\"}", "stream");
        assertBad("{\"input\": \"hi\", \"metadata\": {\"k\": 1}}", "metadata");
        assertBad("{\"input\": \"hi\", \"instructions\": 5}", "instructions");
        assertBad("{\"input\": \"hi\", \"text\": {\"format\": {\"type\": \"grammar\"}}}", "text.format.type");
        assertBad("{\"input\": \"hi\", \"max_output_tokens\": 100000000}", "input");   // over the context
        Http.Reply wrongModel = c.http.post("/v1/responses", "{\"model\": \"nope\", \"input\": \"hi\"}");
        assertEquals(404, wrongModel.status(), wrongModel.body());
        // accepted: tool_choice none/auto without tools, empty tools, store true
        Http.Reply ok = c.http.post("/v1/responses", "{\"input\": \"hi\", \"tools\": [], \"tool_choice\": \"none\", \"store\": true, \"max_output_tokens\": 2}");
        assertEquals(200, ok.status(), ok.body());
        c.assertNoBlocksInUse();
    }

    @Test
    void malformedRequestsGetNo5xx() throws Exception {
        String[] seeds = {
                "{\"input\": \"Hi\", \"max_output_tokens\": 3, \"temperature\": 0}",
                "{\"instructions\": \"Be brief.\", \"input\": [{\"type\": \"message\", \"role\": \"user\", \"content\": [{\"type\": \"input_text\","
                        + " \"text\": \"Hi\"}]}], \"max_output_tokens\": 3, \"stream\": true}"};
        String[] fields = {"input", "instructions", "max_output_tokens", "temperature", "top_p", "stream", "metadata", "text",
                "tools", "tool_choice", "previous_response_id", "reasoning", "store", "user", "model", "include", "truncation"};
        int served = Fuzz.run(c.http, seeds, new String[]{"/v1/responses", "/v1/responses"}, fields, 200, 77);
        assertTrue(served > 0);
        c.assertNoBlocksInUse();
    }

    @Test
    void textFormatJsonSchemaGuidesTheOutput() throws Exception {
        String schema = "{\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}}, \"required\": [\"ok\"], \"additionalProperties\": false}";
        Http.Reply r = c.http.post("/v1/responses", "{\"input\": \"JSON please.\", \"max_output_tokens\": 48, \"text\": {\"format\":"
                + " {\"type\": \"json_schema\", \"name\": \"x\", \"schema\": " + schema + ", \"strict\": true}}}");
        assertEquals(200, r.status(), r.body());
        assertEquals("completed", r.json().path("status").asText(), r.body());
        JsonNode o = Http.JSON.readTree(text(r.json()));
        assertTrue(o.path("ok").isBoolean(), r.body());
        assertEquals("json_schema", r.json().path("text").path("format").path("type").asText(), r.body());
    }
}
