package ai.baton.router;

import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Structured outputs over HTTP against real nodes (the text fixture's random weights never write JSON by themselves):
 * OpenAI's response_format, vLLM's guided_choice, guided_regex and structured_outputs, SGLang's json_schema and regex,
 * with the first token drawn on the prefill node (disaggregated) or on the decode node (local prefill); and the
 * requests that cannot be served are 400s.
 */
class StructuredOutputEndToEndTest {
    private static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"},"
            + " \"n\": {\"type\": \"integer\"}, \"colour\": {\"enum\": [\"red\", \"green\", \"blue\"]}},"
            + " \"required\": [\"ok\", \"n\", \"colour\"], \"additionalProperties\": false}";
    private static final String USER = "\"messages\": [{\"role\": \"user\", \"content\": \"Describe the weather as JSON.\"}]";

    private static void assertConforms(String text) throws Exception {
        JsonNode o = Http.JSON.readTree(text);
        Set<String> names = new java.util.HashSet<>();
        o.fieldNames().forEachRemaining(names::add);
        assertEquals(Set.of("ok", "n", "colour"), names, text);
        assertTrue(o.get("ok").isBoolean() && o.get("n").isIntegralNumber(), text);
        assertTrue(List.of("red", "green", "blue").contains(o.get("colour").asText()), text);
    }

    @Test
    void outputsFollowTheRequestedFormatOnBothPaths() throws Exception {
        for (RoutingConfig routing : List.of(RoutingConfig.defaults().withLocalPrefillThreshold(-1),
                RoutingConfig.defaults().withLocalPrefillThreshold(1 << 20))) {
            try (RealCluster c = new RealCluster(1, 1, routing)) {
                for (long seed = 1; seed <= 3; seed++) {
                    Http.Reply r = c.http.post("/v1/chat/completions", "{" + USER + ", \"max_tokens\": 96, \"temperature\": 1, \"seed\": " + seed
                            + ", \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"weather\", \"schema\": " + SCHEMA + "}}}");
                    assertEquals(200, r.status(), r.body());
                    JsonNode choice = r.json().path("choices").get(0);
                    assertEquals("stop", choice.path("finish_reason").asText(), r.body());
                    assertConforms(choice.path("message").path("content").asText());
                }

                Http.Stream s = c.http.stream("/v1/chat/completions", "{" + USER + ", \"max_tokens\": 96, \"stream\": true,"
                        + " \"structured_outputs\": {\"json\": " + SCHEMA + "}}");
                assertEquals(200, s.status());
                assertConforms(Http.streamedText(s));

                List<String> choices = List.of("sunny", "rainy", "foggy and cold");
                Http.Reply k = c.http.post("/v1/completions", "{\"prompt\": \"The weather today is\", \"max_tokens\": 8, \"n\": 4,"
                        + " \"temperature\": 1, \"seed\": 3, \"guided_choice\": [\"sunny\", \"rainy\", \"foggy and cold\"]}");
                assertEquals(200, k.status(), k.body());
                for (JsonNode ch : k.json().path("choices")) assertTrue(choices.contains(ch.path("text").asText()), k.body());

                Http.Reply g = c.http.post("/generate", "{\"text\": \"Weather:\", \"sampling_params\": {\"max_new_tokens\": 96,"
                        + " \"json_schema\": " + Http.JSON.writeValueAsString(SCHEMA) + "}}");
                assertEquals(200, g.status(), g.body());
                assertConforms(g.json().path("text").asText());

                Http.Reply any = c.http.post("/v1/chat/completions", "{" + USER + ", \"max_tokens\": 48, \"response_format\": {\"type\": \"json_object\"}}");
                assertEquals(200, any.status(), any.body());
                String text = any.json().path("choices").get(0).path("message").path("content").asText();
                assertTrue(text.startsWith("{"), text);
                if (any.json().path("choices").get(0).path("finish_reason").asText().equals("stop"))
                    assertTrue(Http.JSON.readTree(text).isObject(), text);
                c.assertNoBlocksInUse();
            }
        }
    }

    private static final String WEATHER = "(sunny|rainy|foggy), [1-3]?[0-9] degrees";
    private static final String NON_ASCII = "(é|😀|中文){1,3}!";
    private static final String DATED = "{\"type\": \"object\", \"properties\": {\"day\": {\"type\": \"string\", \"format\": \"date\"},"
            + " \"code\": {\"type\": \"string\", \"pattern\": \"^[A-Z]{2}-\\\\d{3}$\"}}, \"required\": [\"day\", \"code\"], \"additionalProperties\": false}";

    private static void assertFullMatch(String regex, String text) {
        assertTrue(Pattern.compile(regex).matcher(text).matches(), () -> regex + " does not match \"" + text + "\"");
    }

    /** Regular expressions (vLLM's guided_regex and structured_outputs.regex, SGLang's regex), one-shot and streamed. */
    @Test
    void regexOutputsFullyMatchOnBothPaths() throws Exception {
        for (RoutingConfig routing : List.of(RoutingConfig.defaults().withLocalPrefillThreshold(-1),
                RoutingConfig.defaults().withLocalPrefillThreshold(1 << 20))) {
            try (RealCluster c = new RealCluster(1, 1, routing)) {
                String guided = Http.JSON.writeValueAsString(WEATHER);
                Http.Reply k = c.http.post("/v1/completions", "{\"prompt\": \"The weather today is\", \"max_tokens\": 40, \"n\": 3,"
                        + " \"temperature\": 1, \"seed\": 5, \"guided_regex\": " + guided + "}");
                assertEquals(200, k.status(), k.body());
                for (JsonNode ch : k.json().path("choices")) {
                    assertFullMatch(WEATHER, ch.path("text").asText());
                    assertEquals("stop", ch.path("finish_reason").asText(), k.body());
                }

                Http.Reply chat = c.http.post("/v1/chat/completions", "{" + USER + ", \"max_tokens\": 40, \"temperature\": 1, \"seed\": 7,"
                        + " \"structured_outputs\": {\"regex\": " + guided + "}}");
                assertEquals(200, chat.status(), chat.body());
                assertFullMatch(WEATHER, chat.json().path("choices").get(0).path("message").path("content").asText());

                Http.Stream s = c.http.stream("/v1/chat/completions", "{" + USER + ", \"max_tokens\": 40, \"stream\": true, \"temperature\": 1,"
                        + " \"seed\": 3, \"structured_outputs\": {\"regex\": " + Http.JSON.writeValueAsString(NON_ASCII) + "}}");
                assertEquals(200, s.status());
                assertFullMatch(NON_ASCII, Http.streamedText(s));

                Http.Stream ks = c.http.stream("/v1/completions", "{\"prompt\": \"Weather:\", \"max_tokens\": 40, \"stream\": true,"
                        + " \"guided_regex\": " + guided + "}");
                assertEquals(200, ks.status());
                assertFullMatch(WEATHER, Http.streamedText(ks));

                String generate = "{\"text\": \"Weather:\", \"sampling_params\": {\"max_new_tokens\": 40, \"temperature\": 1,"
                        + " \"regex\": " + guided + "}}";
                Http.Reply g = c.http.post("/generate", generate);
                assertEquals(200, g.status(), g.body());
                assertFullMatch(WEATHER, g.json().path("text").asText());
                assertEquals("stop", g.json().path("meta_info").path("finish_reason").path("type").asText(), g.body());
                Http.Stream gs = c.http.stream("/generate", generate.replace("{\"text\"", "{\"stream\": true, \"text\""));
                assertEquals(200, gs.status());
                assertFullMatch(WEATHER, gs.chunks().getLast().path("text").asText());

                Http.Reply d = c.http.post("/v1/chat/completions", "{" + USER + ", \"max_tokens\": 150, \"temperature\": 1, \"seed\": 2,"
                        + " \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"d\", \"schema\": " + DATED + "}}}");
                assertEquals(200, d.status(), d.body());
                JsonNode value = Http.JSON.readTree(d.json().path("choices").get(0).path("message").path("content").asText());
                assertFullMatch("\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])", value.path("day").asText());
                assertFullMatch("[A-Z]{2}-\\d{3}", value.path("code").asText());
                assertEquals(2, value.size());
                c.assertNoBlocksInUse();
            }
        }
    }

    private static final String TOOLS = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\":"
            + " {\"type\": \"object\", \"properties\": {\"city\": {\"enum\": [\"Paris\", \"Oslo\"]}, \"days\": {\"type\": \"integer\"}},"
            + " \"required\": [\"city\", \"days\"], \"additionalProperties\": false}}},"
            + " {\"type\": \"function\", \"function\": {\"name\": \"get_time\", \"parameters\": {\"type\": \"object\","
            + " \"properties\": {\"utc\": {\"type\": \"boolean\"}}, \"required\": [\"utc\"], \"additionalProperties\": false}}}]";

    /** A call's arguments as its tool's schema asks. */
    private static void assertArguments(String name, String arguments) throws Exception {
        JsonNode a = Http.JSON.readTree(arguments);
        if (name.equals("get_weather")) {
            assertTrue(List.of("Paris", "Oslo").contains(a.path("city").asText()) && a.path("days").isIntegralNumber() && a.size() == 2, arguments);
        } else {
            assertEquals("get_time", name);
            assertTrue(a.path("utc").isBoolean() && a.size() == 1, arguments);
        }
    }

    /** tool_choice naming a function or "required": the guided JSON becomes tool_calls, one-shot and streamed. */
    @Test
    void forcedToolChoicesAnswerWithToolCalls() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, RoutingConfig.defaults().withLocalPrefillThreshold(-1))) {
            String named = "{" + USER + ", " + TOOLS + ", \"max_tokens\": 300, \"seed\": 4, \"temperature\": 1,"
                    + " \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}";
            Http.Reply r = c.http.post("/v1/chat/completions", named + "}");
            assertEquals(200, r.status(), r.body());
            JsonNode msg = r.json().path("choices").get(0).path("message");
            assertTrue(msg.path("content").isNull(), r.body());
            assertEquals("get_weather", msg.path("tool_calls").get(0).path("function").path("name").asText());
            assertArguments("get_weather", msg.path("tool_calls").get(0).path("function").path("arguments").asText());
            assertEquals("stop", r.json().path("choices").get(0).path("finish_reason").asText(), "as OpenAI, for a named function");

            Http.Stream s = c.http.stream("/v1/chat/completions", named + ", \"stream\": true}");
            StringBuilder args = new StringBuilder();
            int withName = 0;
            for (String d : s.data()) {
                if (d.equals("[DONE]")) continue;
                for (JsonNode call : Http.JSON.readTree(d).path("choices").path(0).path("delta").path("tool_calls")) {
                    if (call.has("id")) withName++;
                    args.append(call.path("function").path("arguments").asText());
                }
            }
            assertEquals(1, withName, "the first piece carries the id and name, once");
            assertArguments("get_weather", args.toString());

            String required = "{" + USER + ", " + TOOLS + ", \"max_tokens\": 300, \"seed\": 2, \"temperature\": 1, \"tool_choice\": \"required\"";
            Http.Reply q = c.http.post("/v1/chat/completions", required + "}");
            assertEquals(200, q.status(), q.body());
            assertEquals("tool_calls", q.json().path("choices").get(0).path("finish_reason").asText(), q.body());
            JsonNode calls = q.json().path("choices").get(0).path("message").path("tool_calls");
            assertTrue(calls.size() >= 1, q.body());
            for (JsonNode call : calls) assertArguments(call.path("function").path("name").asText(), call.path("function").path("arguments").asText());

            Http.Stream qs = c.http.stream("/v1/chat/completions", required + ", \"stream\": true}");
            JsonNode last = Http.JSON.readTree(qs.data().get(qs.data().size() - 2)).path("choices").get(0);
            assertEquals("tool_calls", last.path("finish_reason").asText(), last.toString());
            List<String> names = new java.util.ArrayList<>();
            List<StringBuilder> streamedArgs = new java.util.ArrayList<>();
            for (String d : qs.data()) {  // each call: its id and name first, then its arguments piece by piece
                if (d.equals("[DONE]")) continue;
                for (JsonNode call : Http.JSON.readTree(d).path("choices").path(0).path("delta").path("tool_calls")) {
                    int k = call.path("index").asInt();
                    if (call.has("id")) {
                        assertEquals(names.size(), k, d);
                        names.add(call.path("function").path("name").asText());
                        streamedArgs.add(new StringBuilder());
                    }
                    streamedArgs.get(k).append(call.path("function").path("arguments").asText());
                }
            }
            assertEquals(calls.size(), names.size(), "the same calls, streamed");
            for (int k = 0; k < names.size(); k++) {
                assertEquals(calls.get(k).path("function").path("name").asText(), names.get(k));
                assertArguments(names.get(k), streamedArgs.get(k).toString());
            }
            c.assertNoBlocksInUse();
        }
    }

    @Test
    void formatsThatCannotBeFollowedAre400s() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, RoutingConfig.defaults())) {
            List<String[]> cases = List.of(
                    new String[]{"\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {\"type\": \"string\", \"pattern\": \"a(?=b)\"}}}", "response_format"},
                    new String[]{"\"response_format\": {\"type\": \"json_schema\"}", "response_format.json_schema"},
                    new String[]{"\"response_format\": {\"type\": \"xml\"}", "response_format"},
                    new String[]{"\"guided_regex\": \"(a+)\\\\1\"", "guided_regex"},
                    new String[]{"\"structured_outputs\": {\"regex\": \"[a\"}", "structured_outputs"},
                    new String[]{"\"guided_grammar\": \"root ::= \\\"a\\\"\"", "guided_grammar"},
                    new String[]{"\"guided_regex\": \"a\", \"guided_choice\": [\"a\"]", "guided_regex"},
                    new String[]{"\"guided_choice\": []", "guided_choice"},
                    new String[]{"\"guided_json\": \"{not json\"", "guided_json"},
                    new String[]{"\"response_format\": {\"type\": \"json_object\"}, \"guided_choice\": [\"a\"]", "guided_choice"},
                    new String[]{TOOLS + ", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"nope\"}}", "tool_choice"},
                    new String[]{TOOLS + ", \"tool_choice\": \"required\", \"response_format\": {\"type\": \"json_object\"}", "tool_choice"},
                    new String[]{"\"tool_choice\": \"required\"", "tool_choice"});
            for (String[] k : cases) {
                Http.Reply r = c.http.post("/v1/chat/completions", "{" + USER + ", \"max_tokens\": 4, " + k[0] + "}");
                assertEquals(400, r.status(), k[0] + ": " + r.body());
                assertEquals(k[1], r.json().path("error").path("param").asText(), r.body());
            }
            Http.Reply bad = c.http.post("/v1/completions", "{\"prompt\": \"x\", \"guided_regex\": \"(?<=a)b\"}");
            assertEquals(400, bad.status(), bad.body());
            JsonNode error = bad.json().path("error");
            assertEquals("invalid_request_error", error.path("type").asText(), bad.body());
            assertEquals("regex: lookbehind (?<= at offset 0 is not supported", error.path("message").asText());
            Http.Reply regex = c.http.post("/generate", "{\"text\": \"x\", \"sampling_params\": {\"regex\": \"(a\"}}");
            assertEquals(400, regex.status(), regex.body());
            assertEquals("regex: missing ')' for the group opened at offset 0", regex.json().path("error").path("message").asText(), regex.body());
            Http.Reply ebnf = c.http.post("/generate", "{\"text\": \"x\", \"sampling_params\": {\"ebnf\": \"root ::= x\"}}");
            assertEquals(400, ebnf.status(), ebnf.body());
            c.assertNoBlocksInUse();
        }
    }
}
