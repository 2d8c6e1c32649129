package ai.baton.router;

import ai.baton.proto.NodeStats;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Fixtures;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host offload tier (--kv-offload-mib) on real nodes over HTTP: KV caches so small that every request evicts an
 * earlier one's prefix, so repeated prompts come back from host memory, on the prefill node (which pushes that KV to
 * the decode node) and on the decode node (whose reservations for pushed KV evict cached blocks). Every answer is
 * still Hugging Face's.
 */
class KvOffloadEndToEndTest {
    /** Every prompt goes through the prefill node, so both the prefill path and the decode node's reservations run. */
    private static final RoutingConfig DISAGG = RoutingConfig.defaults().withLocalPrefillThreshold(-1);

    @Test
    void repeatedPromptsComeBackFromHostMemoryWithHuggingFaceAnswers() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, DISAGG, p -> p.withKvBlocks(3).withKvOffloadBytes(1 << 20),
                d -> d.withKvBlocks(6).withKvOffloadBytes(1 << 20))) {
            List<JsonNode> cases = Fixtures.textCases();
            for (int round = 0; round < 3; round++) {
                for (JsonNode k : cases) {
                    Http.Reply r = c.http.post(FixtureRequests.path(k), FixtureRequests.body(k, false, false));
                    assertEquals(200, r.status(), r.body());
                    assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(r.json()), "round " + round + ": " + k.path("prompt_text"));
                }
            }
            NodeStats prefill = c.stats(0);
            assertTrue(prefill.getOffloadHitTokens() > 0, "the prefill node reused evicted prefixes: " + prefill);
            assertTrue(prefill.getOffloadHitTokens() <= prefill.getPrefixHitTokens(), "tier hits are prefix hits");
            String metrics = c.http.get("/metrics").body();
            assertTrue(metrics.contains("baton:kv_offload_hits"), "the router exports the tier's hits");
            String nodeMetrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(c.metricsBase(0) + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(nodeMetrics.contains("baton:kv_offload_saved_blocks_total"), nodeMetrics);
            // The router's picture of the prefill node's cache covers the tier as well as the 3 pool blocks.
            long treeBudget = c.router.registry().get("prefill-0").tree().maxTokens();
            assertTrue(treeBudget > 3 * 16, "tree budget " + treeBudget);
            c.assertNoBlocksInUse();
        }
    }
}
