package ai.baton.experiments.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OpenAI-style streaming server for testing the bench client: it streams max_tokens chunks, the first
 * after {@code ttftMs} and the rest {@code itlMs} apart, ends with a finish chunk, a usage chunk and [DONE], and
 * serves its own server-side TTFT/ITL histograms at /metrics (router names) so agreement can be checked.
 */
public final class FakeOpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0};

    public volatile long ttftMs = 30, itlMs = 5;
    /** Extra time to first token per unit of a request's "priority" (a server that serves low values first). */
    public volatile long ttftPerPriorityMs;
    /** Every n-th request (1-based) answers HTTP 500; 0 = never. */
    public volatile int failEvery;
    /** Every n-th request sends an in-stream error after its first token; 0 = never. */
    public volatile int streamErrorEvery;
    /** Use \r\n line endings. */
    public volatile boolean crlf;

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<Double> ttfts = new ConcurrentLinkedQueue<>(), itls = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();

    /** Node counts /health reports. */
    public volatile int prefillNodes = 1, decodeNodes = 1;

    public FakeOpenAiServer() throws Exception {
        this(0);
    }

    public FakeOpenAiServer(int port) throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(port).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public String baseUrl() { return "http://127.0.0.1:" + server.actualPort(); }

    public int requests() { return requests.get(); }

    public int maxInFlight() { return maxInFlight.get(); }

    public List<Double> serverTtfts() { return new ArrayList<>(ttfts); }

    private void handle(HttpServerRequest req) {
        switch (req.path()) {
            case "/v1/models" -> req.response().putHeader("Content-Type", "application/json")
                    .end("{\"object\":\"list\",\"data\":[{\"id\":\"fake-model\",\"object\":\"model\",\"root\":\"/nonexistent\"}]}");
            case "/health" -> req.response().putHeader("Content-Type", "application/json")
                    .end("{\"status\":\"ok\",\"prefill_nodes\":" + prefillNodes + ",\"decode_nodes\":" + decodeNodes + "}");
            case "/metrics" -> req.response().putHeader("Content-Type", "text/plain").end(metrics());
            case "/v1/completions", "/v1/chat/completions" -> req.body().onSuccess(b -> generate(req, b.toString()));
            default -> req.response().setStatusCode(404).end();
        }
    }

    private void generate(HttpServerRequest req, String body) {
        long arrival = System.nanoTime();
        int n = requests.incrementAndGet();
        JsonNode j;
        try {
            j = JSON.readTree(body);
        } catch (Exception e) {
            req.response().setStatusCode(400).end("{\"error\":{\"message\":\"bad json\"}}");
            return;
        }
        bodies.add(j);
        if (failEvery > 0 && n % failEvery == 0) {
            req.response().setStatusCode(500).putHeader("Content-Type", "application/json").end("{\"error\":{\"message\":\"boom\"}}");
            return;
        }
        boolean chat = req.path().endsWith("/chat/completions");
        int max = j.has("max_tokens") ? j.get("max_tokens").asInt() : j.path("max_completion_tokens").asInt(16);
        boolean streamError = streamErrorEvery > 0 && n % streamErrorEvery == 0;
        HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
        int cur = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(cur, Math::max);
        String nl = crlf ? "\r\n" : "\n";
        long[] last = {0};
        if (chat) resp.write("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}" + nl + nl);
        Runnable[] next = new Runnable[1];
        int[] sent = {0};
        next[0] = () -> {
            long now = System.nanoTime();
            if (last[0] == 0) ttfts.add((now - arrival) / 1e9);
            else itls.add((now - last[0]) / 1e9);
            last[0] = now;
            sent[0]++;
            String piece = "t" + sent[0] + " ";
            String chunk = chat
                    ? "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"},\"finish_reason\":null}]}"
                    : "{\"choices\":[{\"index\":0,\"text\":\"" + piece + "\",\"finish_reason\":null}]}";
            resp.write("data: " + chunk + nl + nl);
            if (streamError) {
                resp.write("data: {\"error\":{\"message\":\"node died\"}}" + nl + nl);
                resp.end("data: [DONE]" + nl + nl);
                inFlight.decrementAndGet();
                return;
            }
            if (sent[0] < max) {
                vertx.setTimer(Math.max(1, itlMs), t -> next[0].run());
                return;
            }
            String fin = chat ? "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}"
                    : "{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}]}";
            resp.write("data: " + fin + nl + nl);
            resp.write("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":" + max + ",\"total_tokens\":" + (7 + max) + "}}" + nl + nl);
            resp.end("data: [DONE]" + nl + nl);
            inFlight.decrementAndGet();
        };
        vertx.setTimer(Math.max(1, ttftMs + ttftPerPriorityMs * j.path("priority").asInt(0)), t -> next[0].run());
    }

    private String metrics() {
        StringBuilder b = new StringBuilder();
        histogram(b, "baton:time_to_first_token_seconds", ttfts);
        histogram(b, "baton:inter_token_latency_seconds", itls);
        b.append("# TYPE baton:request_success counter\n");
        b.append("baton:request_success_total{model_name=\"fake-model\",finished_reason=\"length\"} ").append(ttfts.size()).append('\n');
        return b.toString();
    }

    private static void histogram(StringBuilder b, String name, ConcurrentLinkedQueue<Double> values) {
        List<Double> v = new ArrayList<>(values);
        b.append("# TYPE ").append(name).append(" histogram\n");
        for (double ub : BUCKETS) {
            long c = v.stream().filter(x -> x <= ub).count();
            b.append(name).append("_bucket{model_name=\"fake-model\",le=\"").append(ub).append("\"} ").append(c).append('\n');
        }
        b.append(name).append("_bucket{model_name=\"fake-model\",le=\"+Inf\"} ").append(v.size()).append('\n');
        b.append(name).append("_count{model_name=\"fake-model\"} ").append(v.size()).append('\n');
        b.append(name).append("_sum{model_name=\"fake-model\"} ").append(v.stream().mapToDouble(Double::doubleValue).sum()).append('\n');
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
