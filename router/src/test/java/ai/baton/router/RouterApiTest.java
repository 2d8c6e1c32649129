package ai.baton.router;

import ai.baton.router.testing.Fixtures;
import ai.baton.router.testing.FakeNode;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.TestRouter;
import ai.baton.router.routing.RoutingConfig;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API end to end over test-double nodes: response shapes, streaming, usage, logprobs, /generate. */
class RouterApiTest {
    static TestRouter cluster;

    @BeforeAll
    static void up() throws Exception {
        cluster = new TestRouter(1, 1, RoutingConfig.defaults().withLocalPrefillThreshold(-1));
    }

    @AfterAll
    static void down() {
        cluster.close();
    }

    @Test
    void greedyFixtureTextOneShotAndStreamed() {
        for (JsonNode c : Fixtures.textCases()) {
            String expected = c.path("greedy_text").asText();
            Http.Reply r = cluster.http.post(FixtureRequests.path(c), FixtureRequests.body(c, false, false));
            assertEquals(200, r.status(), r.body());
            assertEquals(expected, FixtureRequests.text(r.json()), "one-shot " + c.path("kind"));
            assertEquals(c.path("prompt_ids").size(), r.json().path("usage").path("prompt_tokens").asInt());
            assertEquals(20, r.json().path("usage").path("completion_tokens").asInt());
            assertEquals("length", r.json().path("choices").get(0).path("finish_reason").asText());

            Http.Stream s = cluster.http.stream(FixtureRequests.path(c), FixtureRequests.body(c, true, true));
            assertEquals(200, s.status());
            assertTrue(s.contentType().startsWith("text/event-stream"), s.contentType());
            assertEquals("[DONE]", s.data().getLast());
            assertEquals(expected, Http.streamedText(s), "streamed " + c.path("kind"));
            List<JsonNode> chunks = s.chunks();
            JsonNode usage = chunks.getLast();
            assertTrue(usage.path("choices").isEmpty());
            assertEquals(20, usage.path("usage").path("completion_tokens").asInt());
            assertEquals("length", chunks.get(chunks.size() - 2).path("choices").get(0).path("finish_reason").asText());
        }
        for (FakeNode d : cluster.decode) assertEquals(0, d.reservedBlocks());
    }

    @Test
    void chatStreamStartsWithRoleAndHasNoUsageUnlessAsked() {
        JsonNode c = Fixtures.textCases().stream().filter(x -> x.path("kind").asText().equals("chat")).findFirst().orElseThrow();
        Http.Stream s = cluster.http.stream("/v1/chat/completions", FixtureRequests.body(c, true, false));
        List<JsonNode> chunks = s.chunks();
        assertEquals("assistant", chunks.getFirst().path("choices").get(0).path("delta").path("role").asText());
        assertEquals("chat.completion.chunk", chunks.getFirst().path("object").asText());
        assertFalse(chunks.getLast().has("usage"));
    }

    @Test
    void tokenIdPromptsAndLogprobs() {
        JsonNode c = Fixtures.textCases().stream().filter(x -> x.path("kind").asText().equals("completion")).findFirst().orElseThrow();
        String body = "{\"prompt\": " + c.get("prompt_ids") + ", \"max_tokens\": 5, \"temperature\": 0, \"ignore_eos\": true, \"logprobs\": 2}";
        Http.Reply r = cluster.http.post("/v1/completions", body);
        assertEquals(200, r.status(), r.body());
        JsonNode lp = r.json().path("choices").get(0).path("logprobs");
        assertEquals(5, lp.path("tokens").size());
        assertEquals(5, lp.path("token_logprobs").size());
        assertEquals(2, lp.path("top_logprobs").get(0).size());
        StringBuilder joined = new StringBuilder();
        lp.path("tokens").forEach(t -> joined.append(t.asText()));
        assertEquals(FixtureRequests.text(r.json()), joined.toString());
        assertTrue(c.path("greedy_text").asText().startsWith(FixtureRequests.text(r.json())));

        String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_completion_tokens\": 3, \"temperature\": 0,"
                + " \"ignore_eos\": true, \"logprobs\": true, \"top_logprobs\": 3}";
        Http.Reply rc = cluster.http.post("/v1/chat/completions", chat);
        assertEquals(200, rc.status(), rc.body());
        JsonNode content = rc.json().path("choices").get(0).path("logprobs").path("content");
        assertEquals(3, content.size());
        assertEquals(3, content.get(0).path("top_logprobs").size());
    }

    @Test
    void echoStartsEachChoiceWithItsPrompt() {
        JsonNode c = Fixtures.textCases().stream().filter(x -> x.path("kind").asText().equals("completion")).findFirst().orElseThrow();
        String prompt = c.path("prompt_text").asText(), expected = c.path("greedy_text").asText();
        String quoted = c.get("prompt_text").toString();
        String tail = ", \"max_tokens\": 20, \"temperature\": 0, \"ignore_eos\": true, \"echo\": true";
        Http.Reply r = cluster.http.post("/v1/completions", "{\"prompt\": " + quoted + tail + "}");
        assertEquals(200, r.status(), r.body());
        assertEquals(prompt + expected, FixtureRequests.text(r.json()));
        assertEquals(20, r.json().path("usage").path("completion_tokens").asInt());

        Http.Stream s = cluster.http.stream("/v1/completions", "{\"prompt\": " + quoted + tail + ", \"stream\": true}");
        assertEquals(prompt + expected, Http.streamedText(s));

        // token ids are echoed as the model saw them; a batch with n = 2 echoes each prompt into both its choices
        Http.Reply ids = cluster.http.post("/v1/completions", "{\"prompt\": " + c.get("prompt_ids") + tail + "}");
        assertEquals(prompt + expected, FixtureRequests.text(ids.json()));
        Http.Reply batch = cluster.http.post("/v1/completions", "{\"prompt\": [" + quoted + ", \"Hi\"], \"n\": 2" + tail + "}");
        assertEquals(200, batch.status(), batch.body());
        JsonNode choices = batch.json().path("choices");
        assertEquals(4, choices.size());
        for (int i = 0; i < 4; i++)
            assertTrue(choices.get(i).path("text").asText().startsWith(i < 2 ? prompt : "Hi"), choices.get(i).toString());
        assertEquals(prompt + expected, choices.get(0).path("text").asText());

        // with logprobs, a one-token prompt leads them with its token, whose logprob is null (PromptLogprobsEndToEndTest
        // has longer prompts)
        Http.Reply lp = cluster.http.post("/v1/completions", "{\"prompt\": \"hi\", \"echo\": true, \"logprobs\": 1, \"max_tokens\": 2}");
        assertEquals(200, lp.status(), lp.body());
        JsonNode lps = lp.json().path("choices").get(0).path("logprobs");
        assertEquals("hi", lps.path("tokens").get(0).asText());
        assertTrue(lps.path("token_logprobs").get(0).isNull());
        assertEquals(3, lps.path("tokens").size(), lps.toString());
    }

    @Test
    void continueFinalMessageLeavesTheLastTurnOpen() {
        String msgs = "\"messages\": [{\"role\": \"user\", \"content\": \"Name a colour.\"},"
                + " {\"role\": \"assistant\", \"content\": \"My favourite colour is\"}]";
        Http.Reply open = cluster.http.post("/tokenize", "{" + msgs + ", \"continue_final_message\": true, \"add_generation_prompt\": false}");
        assertEquals(200, open.status(), open.body());
        String rendered = cluster.http.post("/detokenize", "{\"tokens\": " + open.json().path("tokens") + "}").json().path("prompt").asText();
        assertTrue(rendered.endsWith("My favourite colour is"), rendered);
        Http.Reply closed = cluster.http.post("/tokenize", "{" + msgs + "}");
        String full = cluster.http.post("/detokenize", "{\"tokens\": " + closed.json().path("tokens") + "}").json().path("prompt").asText();
        assertTrue(full.startsWith(rendered) && full.length() > rendered.length(), full);  // the turn closed, a new one opened

        Http.Reply chat = cluster.http.post("/v1/chat/completions", "{" + msgs + ", \"continue_final_message\": true,"
                + " \"add_generation_prompt\": false, \"max_tokens\": 3, \"temperature\": 0, \"ignore_eos\": true}");
        assertEquals(200, chat.status(), chat.body());
        assertEquals(open.json().path("count").asInt(), chat.json().path("usage").path("prompt_tokens").asInt());

        Http.Reply both = cluster.http.post("/v1/chat/completions", "{" + msgs + ", \"continue_final_message\": true}");
        assertEquals(400, both.status(), both.body());
        assertEquals("continue_final_message", both.json().path("error").path("param").asText());
    }

    @Test
    void sglangGenerate() {
        JsonNode c = Fixtures.textCases().stream().filter(x -> x.path("kind").asText().equals("completion")).findFirst().orElseThrow();
        String body = "{\"text\": " + c.get("prompt_text") + ", \"sampling_params\": {\"max_new_tokens\": 20, \"temperature\": 0, \"ignore_eos\": true}}";
        Http.Reply r = cluster.http.post("/generate", body);
        assertEquals(200, r.status(), r.body());
        assertEquals(c.path("greedy_text").asText(), r.json().path("text").asText());
        assertEquals(20, r.json().path("output_ids").size());
        assertEquals("length", r.json().path("meta_info").path("finish_reason").path("type").asText());

        Http.Stream s = cluster.http.stream("/generate", body.replace("{\"text\"", "{\"stream\": true, \"text\""));
        List<JsonNode> chunks = s.chunks();
        assertEquals(c.path("greedy_text").asText(), chunks.getLast().path("text").asText());
    }

    /**
     * Chat with tools through the tool-call parser (Qwen's template asks for Hermes blocks): the tiny model writes no
     * call, so the answer is its plain text, the same one-shot, streamed (nothing held back for good) and with
     * tool_choice "none" (no parsing).
     */
    @Test
    void chatWithToolsKeepsPlainAnswers() {
        String tools = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather\","
                + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}]";
        String base = "\"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}], \"tools\": " + tools
                + ", \"max_tokens\": 12, \"temperature\": 0, \"ignore_eos\": true";
        Http.Reply parsed = cluster.http.post("/v1/chat/completions", "{" + base + "}");
        Http.Reply none = cluster.http.post("/v1/chat/completions", "{" + base + ", \"tool_choice\": \"none\"}");
        assertEquals(200, parsed.status(), parsed.body());
        JsonNode msg = parsed.json().path("choices").get(0).path("message");
        assertEquals(none.json().path("choices").get(0).path("message").path("content").asText(), msg.path("content").asText());
        assertFalse(msg.has("tool_calls"), parsed.body());
        assertEquals("length", parsed.json().path("choices").get(0).path("finish_reason").asText());
        Http.Stream s = cluster.http.stream("/v1/chat/completions", "{" + base + ", \"stream\": true}");
        assertEquals(msg.path("content").asText(), Http.streamedText(s));

        // The next turn, as OpenAI clients send it: the assistant's tool_calls (arguments a JSON string) and the tool's
        // answer; the template renders them as Hermes blocks.
        String history = "[{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, {\"role\": \"assistant\", \"content\": null,"
                + " \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\","
                + " \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"21 C\"}]";
        Http.Reply t = cluster.http.post("/tokenize", "{\"messages\": " + history + ", \"tools\": " + tools + "}");
        assertEquals(200, t.status(), t.body());
        String rendered = cluster.http.post("/detokenize", "{\"tokens\": " + t.json().path("tokens") + "}").json().path("prompt").asText();
        assertTrue(rendered.contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"), rendered);
        assertTrue(rendered.contains("<tool_response>\n21 C\n</tool_response>"), rendered);
        Http.Reply next = cluster.http.post("/v1/chat/completions", "{\"messages\": " + history + ", \"tools\": " + tools + ", \"max_tokens\": 4}");
        assertEquals(200, next.status(), next.body());
    }

    @Test
    void tokenizeAndDetokenizeAsVllm() {
        var tok = cluster.http;
        String text = "The capital of France is";
        Http.Reply t = tok.post("/tokenize", "{\"prompt\": \"" + text + "\"}");
        assertEquals(200, t.status(), t.body());
        int[] expected = TestRouter.model().tokenizer().encode(text, true);
        assertEquals(expected.length, t.json().path("count").asInt());
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], t.json().path("tokens").get(i).asInt());
        assertTrue(t.json().path("max_model_len").asInt() > 0);
        Http.Reply d = tok.post("/detokenize", "{\"tokens\": " + t.json().path("tokens") + "}");
        assertEquals(200, d.status(), d.body());
        assertTrue(d.json().path("prompt").asText().endsWith(text), d.body());

        // messages: the same tokens a chat completion is given (its usage.prompt_tokens)
        String msgs = "[{\"role\": \"user\", \"content\": \"hi there\"}]";
        Http.Reply m = tok.post("/tokenize", "{\"messages\": " + msgs + "}");
        Http.Reply chat = tok.post("/v1/chat/completions", "{\"messages\": " + msgs + ", \"max_tokens\": 1}");
        assertEquals(200, m.status(), m.body());
        assertEquals(chat.json().path("usage").path("prompt_tokens").asInt(), m.json().path("count").asInt());

        for (String bad : List.of("{}", "{\"prompt\": 5}", "{\"prompt\": \"a\", \"messages\": []}", "not json"))
            assertEquals(400, tok.post("/tokenize", bad).status(), bad);
        for (String bad : List.of("{}", "{\"tokens\": [-1]}", "{\"tokens\": []}", "{\"tokens\": \"abc\"}"))
            assertEquals(400, tok.post("/detokenize", bad).status(), bad);
    }

    @Test
    void modelsHealthMetrics() {
        Http.Reply m = cluster.http.get("/v1/models");
        assertEquals(200, m.status());
        assertEquals("qwen3-text-tiny", m.json().path("data").get(0).path("id").asText());
        Http.Reply h = cluster.http.get("/health");
        assertEquals(200, h.status(), h.body());
        cluster.http.post("/v1/completions", "{\"prompt\": \"hello\", \"max_tokens\": 2}");
        String metrics = cluster.http.get("/metrics").body();
        for (String name : List.of("baton:time_to_first_token_seconds_bucket", "baton:inter_token_latency_seconds_bucket",
                "baton:e2e_request_latency_seconds_count", "baton:num_requests_running", "baton:num_requests_waiting",
                "baton:kv_cache_usage_perc", "baton:prefix_cache_hits_total", "baton:prefix_cache_queries_total",
                "baton:kv_transfer_seconds_bucket", "baton:kv_transfer_bytes_total", "baton:routing_decisions_total")) {
            assertTrue(metrics.contains(name), name + " missing from /metrics:\n" + metrics);
        }
        assertEquals(404, cluster.http.get("/nope").status());
        assertTrue(cluster.http.get("/nope").json().path("error").has("message"));
    }
}
