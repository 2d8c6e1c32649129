package ai.baton.experiments.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;

/**
 * Sends one streaming request to an OpenAI-compatible /v1/completions or /v1/chat/completions endpoint and times
 * it, on the calling thread over a kept-alive HTTP/1.1 connection (one per in-flight request, as aiohttp gives
 * vllm bench serve).
 */
public final class OpenAiClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http1Client http1;
    private final String path;
    private final boolean chat;
    private final String model;
    private final boolean ignoreEos;
    private final double temperature;
    private final ObjectNode extraBody;

    public OpenAiClient(String baseUrl, String endpoint, String model, boolean ignoreEos, double temperature,
                        ObjectNode extraBody, Duration timeout, String apiKey) {
        URI uri = URI.create(stripSlash(baseUrl) + endpoint);
        this.path = uri.getRawPath();
        this.chat = endpoint.endsWith("/chat/completions");
        if (!chat && !endpoint.endsWith("/completions"))
            throw new IllegalArgumentException("--endpoint must be /v1/completions or /v1/chat/completions, got " + endpoint);
        this.model = model;
        this.ignoreEos = ignoreEos;
        this.temperature = temperature;
        this.extraBody = extraBody;
        this.http1 = new Http1Client(uri, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()), apiKey);
    }

    static String stripSlash(String s) { return s.endsWith("/") ? s.substring(0, s.length() - 1) : s; }

    public boolean chat() { return chat; }

    /** The JSON body of a request, as vllm bench serve's openai / openai-chat backends build it. */
    ObjectNode body(SampleRequest r) {
        ObjectNode o = JSON.createObjectNode();
        if (model != null) o.put("model", model);
        if (chat) {
            ObjectNode m = o.putArray("messages").addObject();
            m.put("role", "user");
            m.put("content", r.prompt() != null ? r.prompt() : "");
            o.put("max_completion_tokens", r.outputLen());
        } else {
            if (r.prompt() != null) o.put("prompt", r.prompt());
            else {
                var a = o.putArray("prompt");
                for (int id : r.promptIds()) a.add(id);
            }
            o.put("max_tokens", r.outputLen());
        }
        o.put("temperature", temperature);
        o.put("stream", true);
        o.putObject("stream_options").put("include_usage", true);
        if (ignoreEos) o.put("ignore_eos", true);
        if (r.priority() != null) o.put("priority", r.priority());
        if (extraBody != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = extraBody.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                o.set(e.getKey(), e.getValue());
            }
        }
        return o;
    }

    /** Sends r and blocks until its stream ends; never throws for the server's or the network's faults. */
    public RequestOutput send(SampleRequest r) {
        if (chat && r.prompt() == null)
            throw new IllegalArgumentException("token-id prompts need /v1/completions (give a --tokenizer for chat)");
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(body(r));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        SseParser sse = new SseParser();
        long start = System.nanoTime();
        try {
            Http1Client.Response resp = http1.post(path, body, sse::feed);
            long end = System.nanoTime();
            if (resp.status() != 200)
                return RequestOutput.failure(start, secs(end - start), r.promptLen(),
                        "HTTP " + resp.status() + ": " + StreamParser.abbreviate(resp.errorBody()));
            sse.finish(end);
            return StreamParser.parse(sse.events(), start, end, r.promptLen());
        } catch (Exception e) {
            return RequestOutput.failure(start, secs(System.nanoTime() - start), r.promptLen(), describe(e));
        }
    }

    /** GET base + path as text; for /v1/models and /metrics. */
    public static String get(HttpClient http, String url, Duration timeout) throws Exception {
        return get(http, url, timeout, null);
    }

    /** As {@link #get(HttpClient, String, Duration)}, with a bearer token when {@code apiKey} is set. */
    public static String get(HttpClient http, String url, Duration timeout, String apiKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
        if (apiKey != null && !apiKey.isBlank()) b.header("Authorization", "Bearer " + apiKey);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) throw new IllegalStateException("GET " + url + ": HTTP " + r.statusCode());
        return r.body();
    }

    private static double secs(long nanos) { return nanos / 1e9; }

    private static String describe(Throwable t) {
        while (t.getCause() != null && t.getMessage() == null) t = t.getCause();
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public void close() {
        http1.close();
    }
}
