package ai.baton.router;

import ai.baton.engine.tokenizer.Tokenizer;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SGLang's prompt logprobs on /generate against real nodes: logprob_start_len's input_token_logprobs and
 * input_top_logprobs (the first entry null, as SGLang gives it), equal to what vLLM's prompt_logprobs on
 * /v1/completions gives for the same prompt; return_text_in_logprobs; streamed; and the values SGLang refuses.
 */
class GenerateLogprobsEndToEndTest {
    private static final String PROMPT = "The lighthouse keeper counted the ships and the ships counted";
    private static final RoutingConfig DISAGG = RoutingConfig.defaults().withLocalPrefillThreshold(-1);
    private static final RoutingConfig LOCAL = RoutingConfig.defaults().withLocalPrefillThreshold(1 << 20);

    private static String generate(String extra) {
        return "{\"text\": \"" + PROMPT + "\", \"sampling_params\": {\"max_new_tokens\": 3, \"temperature\": 0, \"ignore_eos\": true},"
                + " \"return_logprob\": true" + extra + "}";
    }

    private static JsonNode meta(Http.Reply r) {
        assertEquals(200, r.status(), r.body());
        return r.json().path("meta_info");
    }

    private static Tokenizer tok() { return TestRouter.model().tokenizer(); }

    @Test
    void inputLogprobsAgreeWithVllmPromptLogprobsOnBothPaths() throws Exception {
        int[] ids = tok().encode(PROMPT, true);
        for (RoutingConfig routing : List.of(DISAGG, LOCAL)) {
            String path = routing == DISAGG ? "disaggregated" : "local prefill";
            try (RealCluster c = new RealCluster(1, 1, routing)) {
                Http.Reply v = c.http.post("/v1/completions", "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 3, \"temperature\": 0,"
                        + " \"ignore_eos\": true, \"prompt_logprobs\": 2}");
                assertEquals(200, v.status(), v.body());
                JsonNode vllm = v.json().path("choices").get(0).path("prompt_logprobs");
                assertEquals(ids.length, vllm.size(), path);

                // From position 0: one entry per prompt token, the first with a null logprob and no alternatives.
                JsonNode m = meta(c.http.post("/generate", generate(", \"logprob_start_len\": 0, \"top_logprobs_num\": 2")));
                JsonNode in = m.path("input_token_logprobs"), inTop = m.path("input_top_logprobs");
                assertEquals(ids.length, in.size(), path + ": " + m);
                assertEquals(ids.length, inTop.size(), path);
                assertTrue(in.get(0).get(0).isNull(), path + ": nothing predicts the first token " + in.get(0));
                assertTrue(inTop.get(0).isNull(), path);
                for (int p = 0; p < ids.length; p++) {
                    JsonNode e = in.get(p);
                    assertEquals(3, e.size(), path + " " + e);
                    assertEquals(ids[p], e.get(1).asInt(), path + " position " + p);
                    assertTrue(e.get(2).isNull(), path + ": no text unless asked " + e);
                    if (p == 0) continue;
                    JsonNode ref = vllm.get(p);
                    assertEquals(ref.path(Integer.toString(ids[p])).path("logprob").asDouble(), e.get(0).asDouble(), 1e-5,
                            path + ": /generate and prompt_logprobs agree at position " + p);
                    JsonNode alts = inTop.get(p);
                    assertEquals(2, alts.size(), path + " position " + p + ": " + alts);
                    assertTrue(alts.get(0).get(0).asDouble() >= alts.get(1).get(0).asDouble(), path + ": most likely first " + alts);
                    for (JsonNode a : alts) {
                        JsonNode r = ref.path(a.get(1).asText());
                        assertFalse(r.isMissingNode(), path + ": alternative " + a + " not in " + ref);
                        assertEquals(r.path("logprob").asDouble(), a.get(0).asDouble(), 1e-5, path + " position " + p);
                        assertTrue(a.get(2).isNull(), path);
                    }
                    assertTrue(alts.get(0).get(0).asDouble() >= e.get(0).asDouble() - 1e-6, path + ": the top alternative is the most likely");
                }
                assertEquals(3, m.path("output_token_logprobs").size(), path);
                assertEquals(3, m.path("output_top_logprobs").size(), path);
                assertEquals(2, m.path("output_top_logprobs").get(0).size(), path);

                // From a later position: prompt length - start entries, the prompt's ids from there; the first null (as
                // SGLang pads it), the others the same values as from 0.
                int start = 3;
                JsonNode later = meta(c.http.post("/generate", generate(", \"logprob_start_len\": " + start + ", \"top_logprobs_num\": 2")));
                JsonNode lin = later.path("input_token_logprobs");
                assertEquals(ids.length - start, lin.size(), path + ": " + later);
                assertEquals(ids.length - start, later.path("input_top_logprobs").size(), path);
                assertTrue(lin.get(0).get(0).isNull(), path + ": " + lin.get(0));
                assertTrue(later.path("input_top_logprobs").get(0).isNull(), path);
                for (int i = 0; i < lin.size(); i++) {
                    assertEquals(ids[start + i], lin.get(i).get(1).asInt(), path + " entry " + i);
                    if (i > 0) assertEquals(in.get(start + i).get(0).asDouble(), lin.get(i).get(0).asDouble(), 1e-5, path + " entry " + i);
                }
                JsonNode last = meta(c.http.post("/generate", generate(", \"logprob_start_len\": " + (ids.length - 1))));
                assertEquals(1, last.path("input_token_logprobs").size(), path + ": the last prompt token only " + last);
                assertEquals(ids[ids.length - 1], last.path("input_token_logprobs").get(0).get(1).asInt(), path);

                // return_text_in_logprobs: every entry's third element is its token's text, input and output, token and top.
                JsonNode t = meta(c.http.post("/generate", generate(", \"logprob_start_len\": 0, \"top_logprobs_num\": 2,"
                        + " \"return_text_in_logprobs\": true")));
                for (String list : List.of("input_token_logprobs", "output_token_logprobs"))
                    for (JsonNode e : t.path(list)) assertDecoded(e, path + " " + list);
                for (String list : List.of("input_top_logprobs", "output_top_logprobs"))
                    for (JsonNode alts : t.path(list)) for (JsonNode a : alts) assertDecoded(a, path + " " + list);
                assertEquals(ids.length, t.path("input_token_logprobs").size(), path);
                assertEquals(in.get(1).get(0).asDouble(), t.path("input_token_logprobs").get(1).get(0).asDouble(), 1e-5, path);

                // Streamed: every chunk carries the prompt's logprobs (they come before the first token), the last the
                // output's too, as the one-shot body has them.
                Http.Stream s = c.http.stream("/generate", generate(", \"logprob_start_len\": 0, \"top_logprobs_num\": 2, \"stream\": true"));
                assertEquals(200, s.status());
                List<JsonNode> chunks = s.chunks();
                assertFalse(chunks.isEmpty(), path);
                for (JsonNode chunk : chunks) {
                    JsonNode cin = chunk.path("meta_info").path("input_token_logprobs");
                    assertEquals(ids.length, cin.size(), path + ": streamed chunk " + chunk);
                    for (int p = 1; p < ids.length; p++)
                        assertEquals(in.get(p).get(0).asDouble(), cin.get(p).get(0).asDouble(), 1e-5, path + " streamed position " + p);
                    assertEquals(ids.length, chunk.path("meta_info").path("input_top_logprobs").size(), path);
                }
                JsonNode lastChunk = chunks.getLast().path("meta_info");
                assertEquals("length", lastChunk.path("finish_reason").path("type").asText(), path);
                assertEquals(3, lastChunk.path("output_token_logprobs").size(), path);

                // Default -1: the input lists are there, empty; without return_logprob nothing is given (start ignored).
                for (String extra : List.of("", ", \"logprob_start_len\": -1")) {
                    JsonNode d = meta(c.http.post("/generate", generate(extra)));
                    assertTrue(d.path("input_token_logprobs").isArray() && d.path("input_token_logprobs").isEmpty(), path + ": " + d);
                    assertTrue(d.path("input_top_logprobs").isArray() && d.path("input_top_logprobs").isEmpty(), path + ": " + d);
                    assertEquals(3, d.path("output_token_logprobs").size(), path);
                }
                JsonNode off = meta(c.http.post("/generate", generate(", \"logprob_start_len\": 0").replace("\"return_logprob\": true", "\"return_logprob\": false")));
                assertFalse(off.has("input_token_logprobs"), path + ": " + off);
                assertFalse(off.has("output_token_logprobs"), path + ": " + off);
                c.assertNoBlocksInUse();
            }
        }
    }

    private static void assertDecoded(JsonNode entry, String what) {
        assertEquals(tok().decode(new int[]{entry.get(1).asInt()}), entry.get(2).asText(), what + ": " + entry);
        assertTrue(entry.get(2).isTextual(), what + ": " + entry);
    }

    @Test
    void logprobStartLenOutsideThePromptIs400() throws Exception {
        int n = tok().encode(PROMPT, true).length;
        try (RealCluster c = new RealCluster(1, 1, DISAGG)) {
            for (String bad : List.of("-2", Integer.toString(n), Integer.toString(n + 5), "\"0\"", "1.5")) {
                Http.Reply r = c.http.post("/generate", generate(", \"logprob_start_len\": " + bad));
                assertEquals(400, r.status(), bad + ": " + r.body());
                JsonNode e = r.json().path("error");
                assertEquals("logprob_start_len", e.path("param").asText(), r.body());
                assertTrue(e.path("message").asText().contains("logprob_start_len"), r.body());
                assertEquals("invalid_request_error", e.path("type").asText(), r.body());
            }
            Http.Reply wrongType = c.http.post("/generate", generate(", \"return_text_in_logprobs\": \"yes\""));
            assertEquals(400, wrongType.status(), wrongType.body());
            assertEquals("return_text_in_logprobs", wrongType.json().path("error").path("param").asText());
            // Without return_logprob the start is not looked at, as in SGLang.
            Http.Reply ignored = c.http.post("/generate", generate(", \"logprob_start_len\": -2").replace("\"return_logprob\": true", "\"return_logprob\": false"));
            assertEquals(200, ignored.status(), ignored.body());
            // The last position is the highest start; a one-token prompt has position 0 only.
            assertEquals(200, c.http.post("/generate", generate(", \"logprob_start_len\": " + (n - 1))).status());
            Http.Reply one = c.http.post("/generate", "{\"input_ids\": [" + tok().encode(PROMPT, true)[0] + "], \"sampling_params\":"
                    + " {\"max_new_tokens\": 2}, \"return_logprob\": true, \"logprob_start_len\": 0}");
            JsonNode m = meta(one);
            assertEquals(1, m.path("input_token_logprobs").size(), m.toString());
            assertTrue(m.path("input_token_logprobs").get(0).get(0).isNull(), m.toString());
            assertEquals(400, c.http.post("/generate", "{\"input_ids\": [1], \"sampling_params\": {\"max_new_tokens\": 2},"
                    + " \"return_logprob\": true, \"logprob_start_len\": 1}").status());
            c.assertNoBlocksInUse();
        }
    }
}
