package ai.baton.router;

import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prompt's logprobs over HTTP against real nodes: OpenAI's echo with logprobs and vLLM's prompt_logprobs, computed
 * by the prefill node (disaggregated) or by the decode node (local prefill), equal to what the engine gives alone. The
 * engine's values are checked against Hugging Face's logits in the engine module (PromptLogprobsTest).
 */
class PromptLogprobsEndToEndTest {
    private static final String PROMPT = "The lighthouse keeper counted the ships and the ships counted";
    private static final RoutingConfig DISAGG = RoutingConfig.defaults().withLocalPrefillThreshold(-1);
    private static final RoutingConfig LOCAL = RoutingConfig.defaults().withLocalPrefillThreshold(1 << 20);

    /** The engine alone: the prompt's logprobs with {@code top} alternatives (entry 0 null). */
    private static List<TokenLogprobs> engineAlone(int[] ids, int top) {
        CompletableFuture<List<TokenLogprobs>> f = new CompletableFuture<>();
        TestRouter.engine().submit("alone-" + System.nanoTime(), ids, SamplingParams.greedy(1).withPromptLogprobs(top), o -> {
            if (o.promptLogprobs() != null) f.complete(o.promptLogprobs());
            else if (o.finished()) f.completeExceptionally(new AssertionError("no prompt logprobs: " + o));
        });
        return f.join();
    }

    private static String completion(String extra) {
        return "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 3, \"temperature\": 0, \"ignore_eos\": true" + extra + "}";
    }

    @Test
    void echoWithLogprobsAndPromptLogprobsMatchTheEngineOnBothPaths() throws Exception {
        int[] ids = TestRouter.model().tokenizer().encode(PROMPT, true);
        List<TokenLogprobs> alone = engineAlone(ids, 2);
        for (RoutingConfig routing : List.of(DISAGG, LOCAL)) {
            String path = routing == DISAGG ? "disaggregated" : "local prefill";
            try (RealCluster c = new RealCluster(1, 1, routing)) {
                Http.Reply r = c.http.post("/v1/completions", completion(", \"echo\": true, \"logprobs\": 2"));
                assertEquals(200, r.status(), r.body());
                JsonNode choice = r.json().path("choices").get(0);
                assertTrue(choice.path("text").asText().startsWith(PROMPT), path + ": " + choice);
                JsonNode lp = choice.path("logprobs");
                assertEquals(ids.length + 3, lp.path("tokens").size(), path + ": the prompt's tokens, then the completion's");
                assertTrue(lp.path("token_logprobs").get(0).isNull(), path + ": the first prompt token has none");
                assertTrue(lp.path("top_logprobs").get(0).isNull(), path);
                for (int p = 1; p < ids.length; p++) {
                    assertEquals(alone.get(p).logprob(), lp.path("token_logprobs").get(p).asDouble(), 1e-4, path + " prompt token " + p);
                    assertEquals(2, lp.path("top_logprobs").get(p).size(), path + " alternatives of prompt token " + p);
                }
                assertEquals(0, lp.path("text_offset").get(0).asInt());
                assertTrue(lp.path("token_logprobs").get(ids.length).isNumber(), path + ": the completion's own logprobs follow");

                // Streamed: the prompt's chunk (text and logprobs) comes first, then the tokens; the text adds up.
                Http.Stream s = c.http.stream("/v1/completions", completion(", \"echo\": true, \"logprobs\": 2, \"stream\": true"));
                assertEquals(200, s.status());
                JsonNode first = Http.JSON.readTree(s.data().getFirst()).path("choices").get(0);
                assertEquals(PROMPT, first.path("text").asText(), path);
                assertEquals(ids.length, first.path("logprobs").path("tokens").size(), path);
                assertEquals(alone.get(1).logprob(), first.path("logprobs").path("token_logprobs").get(1).asDouble(), 1e-4, path);
                assertEquals(choice.path("text").asText(), Http.streamedText(s), path);

                // vLLM's prompt_logprobs: {token id: {logprob, rank, decoded_token}}, the prompt token first.
                Http.Reply v = c.http.post("/v1/completions", completion(", \"prompt_logprobs\": 2"));
                assertEquals(200, v.status(), v.body());
                JsonNode plp = v.json().path("choices").get(0).path("prompt_logprobs");
                assertEquals(ids.length, plp.size(), path);
                assertTrue(plp.get(0).isNull(), path);
                for (int p = 1; p < ids.length; p++) {
                    JsonNode own = plp.get(p).path(Integer.toString(ids[p]));
                    assertEquals(alone.get(p).logprob(), own.path("logprob").asDouble(), 1e-4, path + " position " + p);
                    assertEquals(alone.get(p).rank(), own.path("rank").asInt(), path + " position " + p);
                    assertEquals(TestRouter.model().tokenizer().decode(new int[]{ids[p]}), own.path("decoded_token").asText());
                    assertTrue(plp.get(p).size() >= 2 && plp.get(p).size() <= 3, path + ": own token + 2 alternatives " + plp.get(p));
                }
                Http.Reply chat = c.http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                        + " \"max_tokens\": 2, \"prompt_logprobs\": 0}");
                assertEquals(200, chat.status(), chat.body());
                assertEquals(chat.json().path("usage").path("prompt_tokens").asInt(), chat.json().path("prompt_logprobs").size(), path);
                c.assertNoBlocksInUse();
            }
        }
    }

    @Test
    void promptLogprobsThatCannotBeServedAre400s() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, DISAGG)) {
            for (String bad : List.of(", \"prompt_logprobs\": 1, \"stream\": true", ", \"prompt_logprobs\": -1",
                    ", \"prompt_logprobs\": 21", ", \"prompt_logprobs\": \"all\"")) {
                Http.Reply r = c.http.post("/v1/completions", completion(bad));
                assertEquals(400, r.status(), bad + ": " + r.body());
                assertEquals("prompt_logprobs", r.json().path("error").path("param").asText(), r.body());
            }
            Http.Stream zero = c.http.stream("/v1/completions", completion(", \"prompt_logprobs\": 0, \"stream\": true"));
            assertEquals(200, zero.status(), "0 with stream is accepted (and not sent), as in vLLM");
            c.assertNoBlocksInUse();
        }
    }
}
