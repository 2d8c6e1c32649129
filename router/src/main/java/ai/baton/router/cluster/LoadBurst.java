package ai.baton.router.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The demo's short burst: streaming completions, a few at a time, some sharing a long prefix (so cache-aware routing
 * has something to do), measured as a client sees them: TTFT to the first text chunk, the gaps between chunks (ITL),
 * and output tokens per second over the burst.
 */
public final class LoadBurst {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHARED = "You are a helpful assistant. Answer briefly and clearly. ".repeat(6);
    private static final String[] TOPICS = {"the ocean", "a lighthouse", "the moon", "a small robot", "bread", "rain",
            "mountains", "a library", "trains", "the desert", "bees", "winter"};

    private LoadBurst() {}

    public record Result(int completed, int failures, String firstError, double wallSeconds, long outputTokens,
                         List<Double> ttft, List<Double> itl, List<Double> e2e) {
        public void print(PrintStream out) {
            out.printf(Locale.ROOT, "Burst: %d requests, %d ok, %d failed, %.2f s%n", completed + failures, completed, failures, wallSeconds);
            row(out, "TTFT", ttft);
            row(out, "ITL", itl);
            row(out, "E2E", e2e);
            out.printf(Locale.ROOT, "  Throughput: %.1f output tokens/s (%d tokens), %.2f requests/s%n",
                    wallSeconds > 0 ? outputTokens / wallSeconds : 0, outputTokens, wallSeconds > 0 ? completed / wallSeconds : 0);
            if (firstError != null) out.println("  First error: " + firstError);
            out.flush();
        }

        private static void row(PrintStream out, String name, List<Double> v) {
            if (v.isEmpty()) {
                out.printf(Locale.ROOT, "  %-5s (no samples)%n", name);
                return;
            }
            List<Double> s = new ArrayList<>(v);
            Collections.sort(s);
            out.printf(Locale.ROOT, "  %-5s mean %8.1f ms   p50 %8.1f ms   p90 %8.1f ms   max %8.1f ms%n", name,
                    s.stream().mapToDouble(Double::doubleValue).average().orElse(0) * 1e3, pct(s, 0.5) * 1e3, pct(s, 0.9) * 1e3,
                    s.getLast() * 1e3);
        }

        private static double pct(List<Double> sorted, double q) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * (sorted.size() - 1) + 0.5)));
        }
    }

    private record One(boolean ok, String error, double ttft, List<Double> itl, double e2e, long tokens) {}

    /** @param apiKey sent as a bearer token when the router wants one (null: none) */
    public static Result run(String baseUrl, String model, int requests, int concurrency, int maxTokens, String apiKey) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        // Warm-up, not measured: the first requests of fresh JVMs pay for JIT compilation and connection setup. Batched
        // steps take other kernel paths than single ones, so a round at the burst's concurrency follows; its prompts
        // differ from the burst's from the first token, so they leave nothing in the prefix cache for it.
        for (String w : new String[]{"Hello.", SHARED + "Hello."}) one(client, baseUrl, apiKey, model, w, Math.min(4, maxTokens));
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<One>> warmup = new ArrayList<>();
        for (int i = 0; i < 2 * concurrency; i++) {
            String prompt = "Warm-up " + i + ": what is " + TOPICS[i % TOPICS.length] + "?";
            warmup.add(pool.submit(() -> one(client, baseUrl, apiKey, model, prompt, maxTokens)));
        }
        for (Future<One> f : warmup) {
            try {
                f.get();
            } catch (ExecutionException e) {
                // a failed warm-up request shows again, and is counted, in the burst
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long start = System.nanoTime();
        List<Future<One>> futures = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String prompt = (i % 2 == 0 ? SHARED : "") + "Tell me about " + TOPICS[i % TOPICS.length] + ".";
            futures.add(pool.submit(() -> one(client, baseUrl, apiKey, model, prompt, maxTokens)));
        }
        List<Double> ttft = new ArrayList<>(), itl = new ArrayList<>(), e2e = new ArrayList<>();
        int ok = 0, failed = 0;
        long tokens = 0;
        String firstError = null;
        for (Future<One> f : futures) {
            One o;
            try {
                o = f.get();
            } catch (Exception e) {
                o = new One(false, String.valueOf(e.getCause() != null ? e.getCause() : e), 0, List.of(), 0, 0);
            }
            if (o.ok()) {
                ok++;
                ttft.add(o.ttft());
                itl.addAll(o.itl());
                e2e.add(o.e2e());
                tokens += o.tokens();
            } else {
                failed++;
                if (firstError == null) firstError = o.error();
            }
        }
        pool.shutdownNow();
        return new Result(ok, failed, firstError, (System.nanoTime() - start) / 1e9, tokens, ttft, itl, e2e);
    }

    private static One one(HttpClient client, String baseUrl, String apiKey, String model, String prompt, int maxTokens) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.put("prompt", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0.8);
        body.put("seed", 1);
        body.put("ignore_eos", true);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/completions")).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null && !apiKey.isBlank()) rb.header("Authorization", "Bearer " + apiKey);
        HttpRequest req = rb.build();
        long t0 = System.nanoTime();
        try {
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                if (resp.statusCode() != 200) {
                    String text = in.lines().reduce("", String::concat);
                    return new One(false, "HTTP " + resp.statusCode() + ": " + text, 0, List.of(), 0, 0);
                }
                double ttft = -1;
                long last = 0, tokens = 0;
                List<Double> gaps = new ArrayList<>();
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                    JsonNode c = JSON.readTree(line.substring(6));
                    if (c.has("error")) return new One(false, c.path("error").path("message").asText(), 0, List.of(), 0, 0);
                    if (c.path("usage").isObject()) tokens = c.path("usage").path("completion_tokens").asLong();
                    JsonNode ch = c.path("choices");
                    if (ch.isEmpty() || ch.get(0).path("text").asText("").isEmpty()) continue;
                    long now = System.nanoTime();
                    if (ttft < 0) ttft = (now - t0) / 1e9;
                    else gaps.add((now - last) / 1e9);
                    last = now;
                }
                return new One(ttft >= 0, ttft >= 0 ? null : "no text streamed", Math.max(0, ttft), gaps, (System.nanoTime() - t0) / 1e9, tokens);
            }
        } catch (IOException e) {
            return new One(false, e.toString(), 0, List.of(), 0, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new One(false, "interrupted", 0, List.of(), 0, 0);
        }
    }
}
