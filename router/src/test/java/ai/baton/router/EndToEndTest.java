package ai.baton.router;

import ai.baton.engine.LlmEngine;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.proto.NodeStats;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Fixtures;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.RealCluster;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acceptance tests over HTTP against real prefill and decode nodes (CPU, qwen3-text-tiny, kv-transfer between
 * them): fixture greedy text for every P:D shape, disaggregated = collocated under concurrency, cache-aware routing,
 * and a fuzz of malformed requests. After each, every node reports zero KV blocks in use.
 */
class EndToEndTest {
    /** Every prompt goes through a prefill node (no local prefill), so the KV handover is what is tested. */
    private static final RoutingConfig DISAGG = RoutingConfig.defaults().withLocalPrefillThreshold(-1);

    @ParameterizedTest(name = "P:D {0}:{1}")
    @CsvSource({"1,1", "2,1", "1,2"})
    void fixtureGreedyTextForEveryShape(int p, int d) throws Exception {
        try (RealCluster c = new RealCluster(p, d, DISAGG)) {
            for (JsonNode k : Fixtures.textCases()) {
                String expected = k.path("greedy_text").asText();
                Http.Reply r = c.http.post(FixtureRequests.path(k), FixtureRequests.body(k, false, false));
                assertEquals(200, r.status(), r.body());
                assertEquals(expected, FixtureRequests.text(r.json()), "one-shot " + k.path("prompt_text"));
                assertEquals(20, r.json().path("usage").path("completion_tokens").asInt());
                Http.Stream s = c.http.stream(FixtureRequests.path(k), FixtureRequests.body(k, true, true));
                assertEquals(200, s.status());
                assertEquals(expected, Http.streamedText(s), "streamed " + k.path("prompt_text"));
                assertEquals("[DONE]", s.data().getLast());
            }
            c.assertNoBlocksInUse();
        }
    }

    @Test
    void disaggregatedEqualsCollocatedFor64ConcurrentMixedRequests() throws Exception {
        // Default routing: short prompts are prefilled on the decode nodes, long ones on the prefill node.
        try (RealCluster c = new RealCluster(1, 2, RoutingConfig.defaults().withLocalPrefillThreshold(24))) {
            Random rnd = new Random(7);
            List<String> words = List.of("alpha", "river", "stone", "quiet", "seven", "lamp", "orbit", "cedar", "north", "echo");
            List<ObjectNode> bodies = new ArrayList<>();
            List<int[]> prompts = new ArrayList<>();
            List<SamplingParams> params = new ArrayList<>();
            var tok = TestRouter.model().tokenizer();
            for (int i = 0; i < 64; i++) {
                StringBuilder sb = new StringBuilder("Request " + i + ":");
                int n = 1 + rnd.nextInt(i % 4 == 0 ? 150 : 30);
                for (int w = 0; w < n; w++) sb.append(' ').append(words.get(rnd.nextInt(words.size())));
                int max = 1 + rnd.nextInt(24);
                boolean ignoreEos = rnd.nextBoolean();
                ObjectNode b = Http.JSON.createObjectNode();
                b.put("prompt", sb.toString());
                b.put("max_tokens", max);
                b.put("temperature", 0);
                b.put("ignore_eos", ignoreEos);
                if (i % 3 == 0) b.put("stream", true);
                bodies.add(b);
                prompts.add(tok.encode(sb.toString(), true));
                params.add(SamplingParams.greedy(max).withIgnoreEos(ignoreEos));
            }
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (ObjectNode b : bodies) {
                futures.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.router.httpPort() + "/v1/completions"))
                        .timeout(Duration.ofSeconds(180)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(), HttpResponse.BodyHandlers.ofString()));
            }
            List<String> expected = collocated(prompts, params);
            for (int i = 0; i < 64; i++) {
                HttpResponse<String> r = futures.get(i).join();
                assertEquals(200, r.statusCode(), r.body());
                String text;
                if (bodies.get(i).path("stream").asBoolean()) {
                    StringBuilder sb = new StringBuilder();
                    for (String line : r.body().split("\n")) {
                        if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                        JsonNode ch = Http.JSON.readTree(line.substring(6)).path("choices");
                        if (!ch.isEmpty()) sb.append(ch.get(0).path("text").asText(""));
                    }
                    text = sb.toString();
                } else {
                    text = FixtureRequests.text(Http.JSON.readTree(r.body()));
                }
                assertEquals(expected.get(i), text, "request " + i + ": " + bodies.get(i));
            }
            String metrics = c.http.get("/metrics").body();
            assertTrue(metrics.contains("reason=\"local_prefill\"} "), metrics);
            assertTrue(routed(metrics, "local_prefill") > 0 && routed(metrics, "cache_miss") + routed(metrics, "cache_hit") > 0, metrics);
            c.assertNoBlocksInUse();
        }
    }

    /** A streaming client that reads about {@code bytes} bytes of the answer and then goes away. */
    private static void streamThenHangUp(RealCluster c, String body, int bytes) throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", c.router.httpPort())) {
            byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + b.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().write(b);
            s.getOutputStream().flush();
            int got = 0;
            byte[] buf = new byte[4096];
            while (got < bytes) {
                int n = s.getInputStream().read(buf);
                if (n < 0) break;
                got += n;
            }
        }
    }

    private static double routed(String metrics, String reason) {
        for (String l : metrics.split("\n"))
            if (l.startsWith("baton:routing_decisions_total") && l.contains("reason=\"" + reason + "\""))
                return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
        return 0;
    }

    /** The same requests generated in one process, one engine, all at once. */
    private static List<String> collocated(List<int[]> prompts, List<SamplingParams> params) {
        LlmEngine engine = TestRouter.engine();
        List<StringBuilder> texts = new ArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            StringBuilder sb = new StringBuilder();
            CompletableFuture<Void> f = new CompletableFuture<>();
            texts.add(sb);
            done.add(f);
            engine.submit("colloc-" + i + "-" + System.nanoTime(), prompts.get(i), params.get(i), o -> {
                sb.append(o.textDelta());
                if (o.finished()) f.complete(null);
            });
        }
        done.forEach(CompletableFuture::join);
        return texts.stream().map(StringBuilder::toString).toList();
    }

    @Test
    void requestsSharingALongPrefixGoToTheNodeHoldingIt() throws Exception {
        try (RealCluster c = new RealCluster(2, 1, DISAGG)) {
            String system = "You are a careful assistant. ".repeat(40);
            Http.Reply first = c.http.post("/v1/completions", "{\"prompt\": \"" + system + "Question 0?\", \"max_tokens\": 2, \"temperature\": 0}");
            assertEquals(200, first.status(), first.body());
            List<NodeStats> before = c.stats();
            int holder = before.get(0).getPromptTokens() > 0 ? 0 : 1;
            for (int i = 1; i <= 6; i++) {
                Http.Reply r = c.http.post("/v1/completions", "{\"prompt\": \"" + system + "Question " + i + "?\", \"max_tokens\": 2, \"temperature\": 0}");
                assertEquals(200, r.status(), r.body());
                assertTrue(r.json().path("usage").path("prompt_tokens_details").path("cached_tokens").asInt() >= 160, r.body());
            }
            List<NodeStats> after = c.stats();
            NodeStats hot = after.get(holder), cold = after.get(1 - holder);
            assertEquals(0, cold.getPromptTokens(), "the other prefill node got none of them");
            assertTrue(hot.getPrefixHitTokens() >= 6 * 160L, "prefix hits on the holder: " + hot);
            // The router's /metrics shows the same, from the nodes' load reports.
            Thread.sleep(600);
            String metrics = c.http.get("/metrics").body();
            String line = "baton:prefix_cache_hits_total{node=\"prefill-" + holder + "\",role=\"prefill\"} ";
            double hits = 0;
            for (String l : metrics.split("\n")) if (l.startsWith(line)) hits = Double.parseDouble(l.substring(line.length()));
            assertTrue(hits >= 6 * 160, metrics);
            assertTrue(routed(metrics, "cache_hit") >= 6, metrics);
            c.assertNoBlocksInUse();
        }
    }

    /**
     * Repetition, presence and frequency penalties through a prefill node (which samples the first token) and a decode
     * node: the same tokens as one engine given the same penalties, and not those of plain greedy.
     */
    @Test
    void penaltiesGiveTheCollocatedEnginesTokens() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, DISAGG)) {
            String prompt = "The lighthouse keeper counted the ships and the ships counted";
            String base = "\"prompt\": \"" + prompt + "\", \"max_tokens\": 12, \"temperature\": 0, \"ignore_eos\": true";
            String pen = ", \"presence_penalty\": 0.4, \"frequency_penalty\": 0.3, \"repetition_penalty\": 1.6";
            Http.Reply plain = c.http.post("/v1/completions", "{" + base + "}");
            Http.Reply r = c.http.post("/v1/completions", "{" + base + pen + "}");
            assertEquals(200, r.status(), r.body());
            int[] ids = TestRouter.model().tokenizer().encode(prompt, true);
            SamplingParams p = SamplingParams.greedy(12).withIgnoreEos(true)
                    .withPenalties(new ai.baton.engine.sampling.Penalties(0.4, 0.3, 1.6));
            String expected = collocated(List.of(ids), List.of(p)).getFirst();
            assertEquals(expected, FixtureRequests.text(r.json()));
            assertTrue(!expected.equals(FixtureRequests.text(plain.json())), "penalties changed nothing: " + expected);
            Http.Reply g = c.http.post("/generate", "{\"text\": \"" + prompt + "\", \"sampling_params\": {\"max_new_tokens\": 12,"
                    + " \"temperature\": 0, \"ignore_eos\": true" + pen + "}}");
            assertEquals(200, g.status(), g.body());
            assertEquals(expected, g.json().path("text").asText());

            // Logit bias, min_tokens over a stop token id, and a kept stop string, the first token drawn on the prefill node.
            String plainText = FixtureRequests.text(plain.json());
            int[] plainIds = TestRouter.model().tokenizer().encode(plainText, false);
            int stopId = plainIds[1], banned = plainIds[0];
            String stop = plainText.substring(plainText.length() - 3);
            String opts = ", \"logit_bias\": {\"" + banned + "\": -100}, \"min_tokens\": 4, \"stop_token_ids\": [" + stopId
                    + "], \"stop\": [" + Http.JSON.writeValueAsString(stop) + "], \"include_stop_str_in_output\": true";
            Http.Reply o = c.http.post("/v1/completions", "{" + base.replace("\"ignore_eos\": true", "\"ignore_eos\": false") + opts + "}");
            assertEquals(200, o.status(), o.body());
            SamplingParams q = new SamplingParams(0, 1, 0, 0, null, 12, List.of(stopId), List.of(stop), false, -1)
                    .withLogitBias(java.util.Map.of(banned, -100f)).withMinTokens(4).withIncludeStopStr(true);
            assertEquals(collocated(List.of(ids), List.of(q)).getFirst(), FixtureRequests.text(o.json()));

            // skip_special_tokens false: a special token (forced by logit bias) is text, in the first token from the
            // prefill node and in the decode node's later ones; by default it is not.
            String forced = base.replace("\"max_tokens\": 12", "\"max_tokens\": 3") + ", \"logit_bias\": {\"151644\": 100}";
            Http.Reply kept = c.http.post("/v1/completions", "{" + forced + ", \"skip_special_tokens\": false}");
            assertEquals(200, kept.status(), kept.body());
            assertEquals("<|im_start|><|im_start|><|im_start|>", FixtureRequests.text(kept.json()));
            Http.Reply skipped = c.http.post("/v1/completions", "{" + forced + "}");
            assertEquals(200, skipped.status(), skipped.body());
            assertEquals("", FixtureRequests.text(skipped.json()));
            c.assertNoBlocksInUse();
        }
    }

    /**
     * OpenAI's n: choice i of a seeded request is the same text as a request of its own with seed + i, one-shot and
     * streamed, also in a batch of prompts; usage counts each prompt once and every choice's tokens; a client leaving
     * mid-stream frees all of them.
     */
    @Test
    void nChoicesAreTheSeededRequestsOfTheirOwn() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, DISAGG)) {
            String prompt = "The lighthouse keeper counted the ships";
            String base = "\"prompt\": \"" + prompt + "\", \"max_tokens\": 12, \"temperature\": 0.9, \"ignore_eos\": true";
            Http.Reply all = c.http.post("/v1/completions", "{" + base + ", \"seed\": 42, \"n\": 3}");
            assertEquals(200, all.status(), all.body());
            JsonNode choices = all.json().path("choices");
            assertEquals(3, choices.size(), all.body());
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                assertEquals(i, choices.get(i).path("index").asInt());
                assertEquals("length", choices.get(i).path("finish_reason").asText());
                Http.Reply one = c.http.post("/v1/completions", "{" + base + ", \"seed\": " + (42 + i) + "}");
                assertEquals(200, one.status(), one.body());
                assertEquals(FixtureRequests.text(one.json()), choices.get(i).path("text").asText(), "choice " + i);
                texts.add(choices.get(i).path("text").asText());
            }
            assertTrue(texts.stream().distinct().count() > 1, "three seeds gave one text: " + texts);
            JsonNode usage = all.json().path("usage");
            assertEquals(TestRouter.model().tokenizer().encode(prompt, true).length, usage.path("prompt_tokens").asInt());
            assertEquals(36, usage.path("completion_tokens").asInt());

            Http.Stream s = c.http.stream("/v1/completions",
                    "{" + base + ", \"seed\": 42, \"n\": 3, \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
            assertEquals(200, s.status());
            assertEquals("[DONE]", s.data().getLast());
            StringBuilder[] streamed = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
            int[] finishes = new int[3];
            List<JsonNode> chunks = s.chunks();
            for (JsonNode ch : chunks.subList(0, chunks.size() - 1)) {
                JsonNode choice = ch.path("choices").get(0);
                int i = choice.path("index").asInt();
                streamed[i].append(choice.path("text").asText(""));
                if (!choice.path("finish_reason").isNull()) finishes[i]++;
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(texts.get(i), streamed[i].toString(), "streamed choice " + i);
                assertEquals(1, finishes[i], "finish chunks of choice " + i);
            }
            assertEquals(36, chunks.getLast().path("usage").path("completion_tokens").asInt());

            // A batch of two prompts with n = 2: choice 2p + k is prompt p alone with seed 42 + k.
            String other = "A second prompt about the harbour";
            String batch = "\"prompt\": [\"" + prompt + "\", \"" + other + "\"], \"max_tokens\": 12, \"temperature\": 0.9,"
                    + " \"ignore_eos\": true, \"seed\": 42, \"n\": 2";
            Http.Reply b = c.http.post("/v1/completions", "{" + batch + "}");
            assertEquals(200, b.status(), b.body());
            assertEquals(4, b.json().path("choices").size(), b.body());
            assertEquals(texts.get(0), b.json().path("choices").get(0).path("text").asText());
            assertEquals(texts.get(1), b.json().path("choices").get(1).path("text").asText());
            for (int k = 0; k < 2; k++) {
                Http.Reply one = c.http.post("/v1/completions", "{" + base.replace(prompt, other) + ", \"seed\": " + (42 + k) + "}");
                assertEquals(FixtureRequests.text(one.json()), b.json().path("choices").get(2 + k).path("text").asText(), "prompt 1 choice " + k);
                assertEquals(2 + k, b.json().path("choices").get(2 + k).path("index").asInt());
            }
            var tok = TestRouter.model().tokenizer();
            assertEquals(tok.encode(prompt, true).length + tok.encode(other, true).length, b.json().path("usage").path("prompt_tokens").asInt());
            assertEquals(48, b.json().path("usage").path("completion_tokens").asInt());

            // A client that leaves mid-stream: every choice's exchange is cancelled and its blocks freed.
            streamThenHangUp(c, "{\"prompt\": \"a long tale\", \"max_tokens\": 3000, \"ignore_eos\": true, \"stream\": true, \"n\": 3}", 3000);
            c.assertNoBlocksInUse();
            assertEquals(0, ((ai.baton.decode.DecodeNode) c.decode.getFirst()).activeStreams());
        }
    }

    @Test
    void clientDisconnectsAndDeadPrefillNodesLeaveNothingBehind() throws Exception {
        try (RealCluster c = new RealCluster(2, 1, DISAGG)) {
            // A client that goes away mid-stream: the decode node stops and frees the request's blocks.
            for (int i = 0; i < 2; i++)
                streamThenHangUp(c, "{\"prompt\": \"story number " + i + " about the sea\", \"max_tokens\": 3000, \"ignore_eos\": true, \"stream\": true}", 2000);
            c.assertNoBlocksInUse();
            assertEquals(0, ((ai.baton.decode.DecodeNode) c.decode.getFirst()).activeStreams());

            // A prefill node that dies: requests keep succeeding on the other one.
            c.prefill.getFirst().shutdown(0);
            JsonNode k = Fixtures.textCases().getLast();
            for (int i = 0; i < 4; i++) {
                Http.Reply r = c.http.post(FixtureRequests.path(k), FixtureRequests.body(k, false, false));
                assertEquals(200, r.status(), r.body());
                assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(r.json()));
            }
            List<NodeStats> live = List.of(c.stats(1), c.stats(2));
            assertTrue(live.stream().allMatch(x -> x.getKvBlocksUsed() == 0 && x.getKvBlocksReserved() == 0), live.toString());
        }
    }

    @Test
    void fuzzOfMalformedRequestsGetsNo5xxAndTheClusterStillServes() throws Exception {
        try (RealCluster c = new RealCluster(1, 1, RoutingConfig.defaults())) {
            int served = Fuzz.run(c.http, 1000, 99);
            assertTrue(served > 0);
            JsonNode k = Fixtures.textCases().getFirst();
            Http.Reply r = c.http.post(FixtureRequests.path(k), FixtureRequests.body(k, false, false));
            assertEquals(200, r.status(), r.body());
            assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(r.json()));
            c.assertNoBlocksInUse();
        }
    }
}
