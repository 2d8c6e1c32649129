package ai.baton.router;

import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Where the time goes" series against a real 1P:1D cluster: after disaggregated requests the router serves
 * baton:router_queue_seconds, the nodes baton:request_queue_time_seconds, baton:engine_busy_seconds_total and (decode)
 * baton:decode_queue_seconds with one observation per request, and each node's /debug/steps lines add up to the
 * tokens it computed: the prompts on the prefill node, every token after the first on the decode node.
 */
class ServingMetricsEndToEndTest {
    private static final int N = 6;
    private static final String MODEL = "{model_name=\"qwen3-text-tiny\"}";

    @Test
    void queueBusyAndStepSeriesAfterDisaggregatedRequests() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, RoutingConfig.defaults().withLocalPrefillThreshold(-1))) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            String[] first = {"Apples", "Rivers", "Stones", "Lamps", "Orbits", "Cedars"};
            for (int i = 0; i < N; i++) {
                ObjectNode b = Http.JSON.createObjectNode();
                b.put("prompt", first[i] + " and request number " + i + " go on a long walk through the quiet valley");
                b.put("max_tokens", 3 + i);
                b.put("temperature", 0);
                b.put("ignore_eos", true);
                futures.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.router.httpPort() + "/v1/completions"))
                        .timeout(Duration.ofSeconds(180)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(), HttpResponse.BodyHandlers.ofString()));
            }
            long promptTokens = 0, decodedTokens = 0;
            for (var f : futures) {
                HttpResponse<String> r = f.join();
                assertEquals(200, r.statusCode(), r.body());
                JsonNode usage = Http.JSON.readTree(r.body()).path("usage");
                promptTokens += usage.path("prompt_tokens").asLong();
                decodedTokens += usage.path("completion_tokens").asLong() - 1; // the first token comes from the prefill
            }
            // Blocks are freed inside the finishing step, and stats refresh after its record: once no node holds a
            // block, every step is in the rings.
            c.assertNoBlocksInUse();

            String router = c.http.get("/metrics").body();
            assertEquals(N, value(router, "baton:router_queue_seconds_count" + MODEL), router);

            String prefill = get(client, c.metricsBase(0) + "/metrics");
            String decode = get(client, c.metricsBase(1) + "/metrics");
            assertEquals(N, value(prefill, "baton:request_queue_time_seconds_count" + MODEL), prefill);
            assertEquals(N, value(decode, "baton:request_queue_time_seconds_count" + MODEL), decode);
            assertEquals(N, value(decode, "baton:decode_queue_seconds_count" + MODEL), decode);
            assertTrue(value(prefill, "baton:engine_busy_seconds_total" + MODEL) > 0, prefill);
            assertTrue(value(decode, "baton:engine_busy_seconds_total" + MODEL) > 0, decode);

            long prefillHits = c.stats(0).getPrefixHitTokens();
            long[] p = sums(get(client, c.metricsBase(0) + "/debug/steps"));
            long[] d = sums(get(client, c.metricsBase(1) + "/debug/steps"));
            assertEquals(promptTokens - prefillHits, p[0], "prefill node: prompt tokens computed");
            assertEquals(0, p[1], "prefill node: no decode steps");
            assertEquals(0, d[0], "decode node: no prefill (every prompt went to the prefill node)");
            assertEquals(decodedTokens, d[1], "decode node: one decode token per token after the first");
            for (int i = 0; i < 2; i++) {
                double busy = c.stats(i).getBusyFraction();
                assertTrue(busy >= 0 && busy <= 1, "busy fraction " + busy);
            }
        }
    }

    private static String get(HttpClient client, String url) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }

    /** The value of the sample line starting with {@code series}; fails when there is none. */
    private static double value(String exposition, String series) {
        for (String l : exposition.split("\n"))
            if (l.startsWith(series + " ")) return Double.parseDouble(l.substring(series.length() + 1).trim());
        throw new AssertionError("no " + series + " in\n" + exposition);
    }

    /** Prefill and decode tokens over every step line; each line must parse and carry all five fields. */
    private static long[] sums(String jsonLines) throws Exception {
        long prefill = 0, decode = 0;
        int lines = 0;
        for (String line : jsonLines.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode s = Http.JSON.readTree(line);
            for (String f : new String[]{"ts_us", "dur_us", "prefill_tokens", "decode_tokens", "num_seqs"})
                assertTrue(s.has(f) && s.get(f).isIntegralNumber(), "field " + f + " in " + line);
            assertTrue(s.get("num_seqs").asInt() >= 1, line);
            prefill += s.get("prefill_tokens").asLong();
            decode += s.get("decode_tokens").asLong();
            lines++;
        }
        assertTrue(lines > 0, "no steps");
        return new long[]{prefill, decode};
    }
}
