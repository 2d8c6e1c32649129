package ai.baton.router;

import ai.baton.engine.sched.SchedulingPolicy;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request priorities (vLLM's and SGLang's "priority" field) over HTTP: a cluster whose nodes serve first come, first
 * served refuses nonzero priorities with a 400; on nodes started with the priority policy, queued requests are served
 * lowest value first and answer what they would at priority 0.
 */
class PriorityEndToEndTest {
    private static String completion(int maxTokens, int priority) {
        return "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens + ", \"temperature\": 0, \"ignore_eos\": true, \"priority\": "
                + priority + "}";
    }

    @Test
    void fcfsNodesRefuseNonzeroPriorities() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, RoutingConfig.defaults())) {
            Http.Reply r = c.http.post("/v1/completions", completion(4, 3));
            assertEquals(400, r.status(), r.body());
            assertEquals("priority", r.json().path("error").path("param").asText());
            assertTrue(r.json().path("error").path("message").asText().contains("--scheduling-policy priority"), r.body());
            Http.Reply chat = c.http.post("/v1/chat/completions",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2, \"priority\": -1}");
            assertEquals(400, chat.status(), chat.body());
            Http.Reply gen = c.http.post("/generate", "{\"text\": \"hi\", \"sampling_params\": {\"max_new_tokens\": 2}, \"priority\": 1}");
            assertEquals(400, gen.status(), gen.body());
            Http.Reply notInt = c.http.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 2, \"priority\": \"high\"}");
            assertEquals(400, notInt.status(), notInt.body());
            assertEquals("priority", notInt.json().path("error").path("param").asText());
            assertEquals(200, c.http.post("/v1/completions", completion(4, 0)).status());
            c.assertNoBlocksInUse();
        }
    }

    @Test
    void queuedRequestsAreServedByPriority() throws Exception {
        // One decode node that prefills itself and runs one sequence at a time: what waits is served in its engine's order.
        try (RealCluster c = new RealCluster(0, 1, RoutingConfig.defaults(), p -> p,
                d -> d.withMaxSequences(1).withSchedulingPolicy(SchedulingPolicy.PRIORITY))) {
            String base = "http://127.0.0.1:" + c.router.httpPort();
            HttpClient client = HttpClient.newHttpClient();
            // A long streamed request holds the only sequence slot until the others are queued behind it.
            HttpRequest blockReq = HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Hold on\", \"max_tokens\": 3000, \"temperature\": 0,"
                            + " \"ignore_eos\": true, \"stream\": true}")).build();
            HttpResponse<InputStream> blocker = client.send(blockReq, HttpResponse.BodyHandlers.ofInputStream());
            BufferedReader lines = new BufferedReader(new InputStreamReader(blocker.body(), StandardCharsets.UTF_8));
            String first;
            do first = lines.readLine(); while (first != null && !first.startsWith("data:"));
            assertTrue(first != null, "the blocking request streams");

            int[] priorities = {5, -5, 1};
            // Order is seen by the client, so each served request runs long enough (32 steps) that its successor
            // cannot finish first however the client's completion callbacks are scheduled on a loaded machine.
            int tokens = 32;
            List<Integer> finished = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (int i = 0; i < priorities.length; i++) {
                int k = i;
                HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/completions")).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(completion(tokens, priorities[i]))).build();
                replies.add(client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> finished.add(k)));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (c.stats(0).getWaiting() < priorities.length) {
                assertTrue(System.nanoTime() < end, "the three requests queue on the decode node: " + c.stats(0));
                Thread.sleep(10);
            }
            blocker.body().close();  // the client goes away: the blocking request is cancelled and the queue moves

            String expected = null;
            for (CompletableFuture<HttpResponse<String>> f : replies) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                String text = Http.JSON.readTree(r.body()).path("choices").path(0).path("text").asText();
                if (expected == null) expected = text;
                assertEquals(expected, text, "greedy answers do not depend on priority");
            }
            assertEquals(List.of(1, 2, 0), finished, "served by priority: -5, then 1, then 5");
            assertEquals(expected, Http.JSON.readTree(c.http.post("/v1/completions", completion(tokens, 0)).body())
                    .path("choices").path(0).path("text").asText());
            c.assertNoBlocksInUse();
        }
    }
}
