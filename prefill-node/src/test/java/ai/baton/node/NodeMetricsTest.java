package ai.baton.node;

import ai.baton.engine.EngineStats;
import ai.baton.engine.StepRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vLLM's metric names under baton:, read from engine stats at scrape time and served at /metrics; /debug/steps. */
class NodeMetricsTest {

    @Test
    void exposesVllmNamesFromEngineStatsOverHttp() throws Exception {
        EngineStats stats = new EngineStats(3, 2, 100, 25, 0, 640, 320, 1, 50, 700, 90, 2_500_000_000L, 4, 12, 7);
        NodeMetrics m = new NodeMetrics("tiny", () -> stats, () -> 4);
        m.kvTransfer("ucx", 0.002, 4096);
        m.interToken(0.01);
        m.queueTime(0.003);
        m.queueTime(0.2);
        m.decodeQueue(0.004);
        try (MetricsEndpoint http = MetricsEndpoint.start("127.0.0.1", 0, m, List::of)) {
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
                    "baton:inter_token_latency_seconds_count{model_name=\"tiny\"} 1",
                    "baton:engine_busy_seconds_total{model_name=\"tiny\"} 2.5",
                    "baton:request_queue_time_seconds_count{model_name=\"tiny\"} 2",
                    "baton:request_queue_time_seconds_bucket{model_name=\"tiny\",le=\"0.005\"} 1",
                    "baton:decode_queue_seconds_count{model_name=\"tiny\"} 1",
                    "baton:spec_decode_num_drafts_total{model_name=\"tiny\"} 4.0",
                    "baton:spec_decode_num_draft_tokens_total{model_name=\"tiny\"} 12.0",
                    "baton:spec_decode_num_accepted_tokens_total{model_name=\"tiny\"} 7.0"}) {
                assertTrue(body.contains(line), "missing: " + line + "\n" + body);
            }
        }
    }

    @Test
    void servesTheStepLogAsJsonLines() throws Exception {
        NodeMetrics m = new NodeMetrics("tiny", () -> new EngineStats(0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), () -> 0);
        List<StepRecord> steps = List.of(new StepRecord(1_700_000_000_000_000L, 1500, 128, 0, 1),
                new StepRecord(1_700_000_000_002_000L, 800, 16, 3, 4));
        HttpClient client = HttpClient.newHttpClient();
        try (MetricsEndpoint http = MetricsEndpoint.start("127.0.0.1", 0, m, () -> steps)) {
            String base = "http://127.0.0.1:" + http.port();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/debug/steps")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            String[] lines = r.body().split("\n");
            assertEquals(2, lines.length, r.body());
            ObjectMapper json = new ObjectMapper();
            for (int i = 0; i < 2; i++) {
                JsonNode n = json.readTree(lines[i]);
                StepRecord s = steps.get(i);
                assertEquals(List.of("ts_us", "dur_us", "prefill_tokens", "decode_tokens", "num_seqs"),
                        List.copyOf(iterable(n.fieldNames())));
                assertEquals(s.startMicros(), n.get("ts_us").asLong());
                assertEquals(s.durMicros(), n.get("dur_us").asLong());
                assertEquals(s.prefillTokens(), n.get("prefill_tokens").asInt());
                assertEquals(s.decodeTokens(), n.get("decode_tokens").asInt());
                assertEquals(s.numSeqs(), n.get("num_seqs").asInt());
            }
            assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(base + "/debug/nothing")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(405, client.send(HttpRequest.newBuilder(URI.create(base + "/debug/steps"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
