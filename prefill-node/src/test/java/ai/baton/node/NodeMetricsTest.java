package ai.baton.node;

import ai.baton.engine.EngineStats;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vLLM's metric names under baton:, read from engine stats at scrape time and served at /metrics. */
class NodeMetricsTest {

    @Test
    void exposesVllmNamesFromEngineStatsOverHttp() throws Exception {
        EngineStats stats = new EngineStats(3, 2, 100, 25, 0, 640, 320, 1, 50, 700, 90);
        NodeMetrics m = new NodeMetrics("tiny", () -> stats, () -> 4);
        m.kvTransfer("ucx", 0.002, 4096);
        m.interToken(0.01);
        try (MetricsEndpoint http = MetricsEndpoint.start("127.0.0.1", 0, m)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            String body = r.body();
            for (String line : new String[] {
                    "baton:num_requests_running{model_name=\"tiny\"} 3.0",
                    "baton:num_requests_waiting{model_name=\"tiny\"} 6.0",
                    "baton:kv_cache_usage_perc{model_name=\"tiny\"} 0.25",
                    "baton:prefix_cache_queries_total{model_name=\"tiny\"} 640.0",
                    "baton:prefix_cache_hits_total{model_name=\"tiny\"} 320.0",
                    "baton:prompt_tokens_total{model_name=\"tiny\"} 700.0",
                    "baton:generation_tokens_total{model_name=\"tiny\"} 90.0",
                    "baton:kv_transfer_bytes_total{model_name=\"tiny\",transport=\"ucx\"} 4096.0",
                    "baton:kv_transfer_seconds_count{model_name=\"tiny\",transport=\"ucx\"} 1",
                    "baton:inter_token_latency_seconds_count{model_name=\"tiny\"} 1"}) {
                assertTrue(body.contains(line), "missing: " + line + "\n" + body);
            }
        }
    }
}
