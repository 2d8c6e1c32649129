package ai.baton.router;

import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.FakeNode;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client errors get 4xx with OpenAI-style bodies, and a fuzz of malformed requests gets no 5xx. */
class BadInputTest {
    static TestRouter cluster;

    @BeforeAll
    static void up() throws Exception {
        cluster = new TestRouter(1, 1, b -> b.routing(RoutingConfig.defaults().withLocalPrefillThreshold(-1)).defaultMaxTokens(4));
    }

    @AfterAll
    static void down() {
        cluster.close();
    }

    private static JsonNode expectError(Http.Reply r, int status) {
        assertEquals(status, r.status(), r.body());
        JsonNode e = r.json().path("error");
        assertTrue(e.path("message").isTextual(), r.body());
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body());
        return e;
    }

    @Test
    void badRequestsAre400WithOpenAiBodies() {
        String[][] cases = {
                {"/v1/completions", "{not json"},
                {"/v1/completions", "[1,2,3]"},
                {"/v1/completions", ""},
                {"/v1/completions", "{\"prompt\": \"hi\"} trailing"},
                {"/v1/completions", "{\"max_tokens\": 5}"},
                {"/v1/completions", "{\"prompt\": 42}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": \"5\"}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": -1}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 0}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 1.5}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 99999999999999999999999}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"presence_penalty\": 2.5}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"frequency_penalty\": \"high\"}"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"repetition_penalty\": 0}"},
                {"/generate", "{\"text\": \"hi\", \"sampling_params\": {\"frequency_penalty\": -3}}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"logit_bias\": {\"abc\": 1}}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"logit_bias\": {\"5\": 101}}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"logit_bias\": {\"99999999\": 1}}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"logit_bias\": [1]}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"min_tokens\": -1}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 3, \"min_tokens\": 4}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"skip_special_tokens\": \"no\"}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"include_stop_str_in_output\": \"yes\"}"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tool_choice\": \"required\"}"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"f\"}}}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"n\": 0}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"n\": 129}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"n\": \"2\"}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"n\": 2, \"best_of\": 3}"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": -1}"},
                {"/generate", "{\"text\": \"hi\", \"sampling_params\": {\"n\": 2}}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"temperature\": -0.5}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"temperature\": \"hot\"}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 0}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 1.5}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"logprobs\": 21}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"stream\": \"yes\"}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"stop\": 7}"},
                {"/v1/completions", "{\"prompt\": [1, -5]}"},
                {"/v1/completions", "{\"prompt\": [1, 99999999]}"},
                {"/v1/completions", "{\"prompt\": []}"},
                {"/v1/completions", "{\"prompt\": [\"hi\", [1, 2]]}"},
                {"/v1/completions", "{\"prompt\": [\"hi\", 5]}"},
                {"/v1/completions", "{\"prompt\": [\"hi\", \"\"]}"},
                {"/v1/completions", "{\"prompt\": [[1, 2], [1, -5]]}"},
                {"/v1/completions", "{\"prompt\": [\"a\", \"b\", \"c\"], \"n\": 100}"},
                {"/v1/completions", "{\"prompt\": [" + "\"a\", ".repeat(256) + "\"a\"]}"},
                {"/v1/completions", "{\"prompt\": \"\"}"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"stream_options\": {\"include_usage\": true}}"},
                {"/v1/chat/completions", "{}"},
                {"/v1/chat/completions", "{\"messages\": \"hello\"}"},
                {"/v1/chat/completions", "{\"messages\": []}"},
                {"/v1/chat/completions", "{\"messages\": [{\"content\": \"no role\"}]}"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_completion_tokens\": -3}"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"top_logprobs\": 3}"},
                {"/generate", "{\"sampling_params\": {}}"},
                {"/generate", "{\"text\": \"hi\", \"sampling_params\": {\"max_new_tokens\": -1}}"},
                {"/generate", "{\"text\": \"hi\", \"sampling_params\": 3}"},
        };
        for (String[] c : cases) expectError(cluster.http.post(c[0], c[1]), 400);
    }

    @Test
    void unknownModelIs404() {
        JsonNode e = expectError(cluster.http.post("/v1/completions", "{\"model\": \"gpt-9\", \"prompt\": \"hi\"}"), 404);
        assertEquals("model_not_found", e.path("code").asText());
        assertEquals("model", e.path("param").asText());
    }

    @Test
    void promptOverTheContextIs400WithVllmWording() {
        String body = "{\"prompt\": \"hello world\", \"max_tokens\": 1000000}";
        JsonNode e = expectError(cluster.http.post("/v1/completions", body), 400);
        assertEquals("context_length_exceeded", e.path("code").asText());
        String msg = e.path("message").asText();
        assertTrue(msg.startsWith("This model's maximum context length is 40960 tokens. However, you requested "), msg);
        assertTrue(msg.endsWith("in the completion). Please reduce the length of the messages or completion."), msg);
    }

    @Test
    void noNodeOfARoleIs503WithRetryAfter() throws Exception {
        try (TestRouter empty = new TestRouter(0, 0, RoutingConfig.defaults())) {
            Http.Reply r = empty.http.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 2}");
            expectError(r, 503);
            assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
            assertEquals(503, empty.http.get("/health").status());
        }
        try (TestRouter noPrefill = new TestRouter(0, 1, RoutingConfig.defaults().withLocalPrefillThreshold(-1))) {
            Http.Reply r = noPrefill.http.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 2}");
            expectError(r, 503);
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
        }
    }

    @Test
    void fuzzThousandMalformedRequestsNoServerErrors() {
        int served = Fuzz.run(cluster.http, 300, 1234);
        assertTrue(served > 0, "some mutated requests should still be valid");
        Http.Reply ok = cluster.http.post("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 3}");
        assertEquals(200, ok.status(), ok.body());
        for (FakeNode d : cluster.decode) assertEquals(0, d.reservedBlocks());
    }
}
