package ai.baton.router;

import ai.baton.engine.spec.SpeculativeConfig;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Speculative decoding on the decode nodes of a real cluster (the text fixture's random weights repeat themselves, so
 * n-gram drafts are often right): over HTTP every answer (greedy, seeded sampling, logprobs, n > 1, streamed, with
 * the first token from a prefill node or from the decode node itself) is the one a cluster without speculation gives,
 * and the decode node's metrics show drafts kept.
 */
class SpeculativeEndToEndTest {
    private static final String CHAT = "\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a story about a robot.\"}]";
    private static final List<String> REQUESTS = List.of(
            "{" + CHAT + ", \"max_tokens\": 48, \"temperature\": 0}",
            "{" + CHAT + ", \"max_tokens\": 40, \"temperature\": 0.3, \"seed\": 4, \"logprobs\": true, \"top_logprobs\": 2}",
            "{" + CHAT + ", \"max_tokens\": 32, \"temperature\": 0.5, \"seed\": 8, \"n\": 2}");
    private static final String COMPLETION = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"stream\": true}";

    private static List<String> answers(RealCluster c) throws Exception {
        List<String> out = new ArrayList<>();
        for (String body : REQUESTS) {
            Http.Reply r = c.http.post("/v1/chat/completions", body);
            assertEquals(200, r.status(), r.body());
            JsonNode choices = r.json().path("choices");
            for (JsonNode ch : choices) {
                out.add(ch.path("message").path("content").asText() + " | " + ch.path("finish_reason").asText()
                        + " | " + ch.path("logprobs"));
            }
            out.add("usage " + r.json().path("usage").path("completion_tokens"));
        }
        Http.Stream s = c.http.stream("/v1/completions", COMPLETION);
        assertEquals(200, s.status());
        out.add(Http.streamedText(s));
        return out;
    }

    private static double metric(String body, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*} ([0-9.eE+-]+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void answersAreThoseOfAClusterWithoutSpeculation() throws Exception {
        SpeculativeConfig spec = new SpeculativeConfig(4, 1, 3);
        for (RoutingConfig routing : List.of(RoutingConfig.defaults().withLocalPrefillThreshold(-1),
                RoutingConfig.defaults().withLocalPrefillThreshold(1 << 20))) {
            List<String> plain;
            try (RealCluster c = new RealCluster(1, 1, routing)) {
                plain = answers(c);
            }
            try (RealCluster c = new RealCluster(1, 1, routing, spec)) {
                assertEquals(plain, answers(c));
                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(c.metricsBase(1) + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                double drafted = metric(metrics, "baton:spec_decode_num_draft_tokens_total");
                double kept = metric(metrics, "baton:spec_decode_num_accepted_tokens_total");
                assertTrue(kept > 0 && kept <= drafted, "drafted " + drafted + ", kept " + kept);
                c.assertNoBlocksInUse();
            }
        }
    }
}
