package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import ai.baton.router.dispatch.Exchange;
import ai.baton.router.dispatch.TokenSink;
import ai.baton.router.metrics.RouterMetrics;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes one request's output to its HTTP response: SSE chunks as tokens arrive when streaming, one JSON body at the
 * end otherwise. Callbacks come from gRPC threads and hop onto the request's Vert.x context, which owns the response.
 * Measures TTFT (arrival to first token written), inter-token latency and end-to-end latency.
 */
final class HttpSink implements TokenSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Context context;
    private final HttpServerResponse resp;
    private final ApiRequest req;
    private final ResponseFormat format;
    private final RouterMetrics metrics;
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> ids = new ArrayList<>();
    private final List<TokenLogprob> lps = new ArrayList<>();
    private boolean started;
    private boolean ended;
    private long lastTokenNanos;
    private volatile Exchange exchange;

    HttpSink(Context context, HttpServerResponse resp, ApiRequest req, ResponseFormat format, RouterMetrics metrics) {
        this.context = context;
        this.resp = resp;
        this.req = req;
        this.format = format;
        this.metrics = metrics;
        resp.closeHandler(v -> clientGone());
    }

    void attach(Exchange e) {
        exchange = e;
        if (ended && !resp.ended()) e.cancel();
    }

    private void clientGone() {
        if (ended) return;
        ended = true;
        Exchange e = exchange;
        if (e != null) e.cancel();
    }

    @Override
    public void onTokens(List<Integer> tokenIds, String delta, List<TokenLogprob> logprobs) {
        context.runOnContext(v -> {
            if (ended) return;
            long now = System.nanoTime();
            if (lastTokenNanos == 0) metrics.ttft((now - req.gen().arrivalNanos()) / 1e9);
            else metrics.itl((now - lastTokenNanos) / 1e9);
            lastTokenNanos = now;
            if (req.stream()) {
                startStream();
                if (!delta.isEmpty() || (req.logprobs() >= 0 && !logprobs.isEmpty()))
                    send(format.streamDelta(delta, tokenIds, logprobs));
            } else {
                text.append(delta);
                ids.addAll(tokenIds);
                lps.addAll(logprobs);
            }
        });
    }

    @Override
    public void onFinish(String finishReason, int promptTokens, int completionTokens, int cachedTokens) {
        context.runOnContext(v -> {
            if (ended) return;
            ended = true;
            Usage usage = new Usage(promptTokens, completionTokens, cachedTokens);
            if (req.stream()) {
                startStream();
                send(format.streamFinish(finishReason, usage));
                ObjectNode u = format.streamUsage(usage);
                if (u != null) send(u);
                resp.end("data: [DONE]\n\n");
            } else {
                resp.putHeader("Content-Type", "application/json").end(json(format.full(text.toString(), ids, lps, finishReason, usage)));
            }
            metrics.e2e((System.nanoTime() - req.gen().arrivalNanos()) / 1e9);
        });
    }

    @Override
    public void onError(ApiException error) {
        context.runOnContext(v -> {
            if (ended) return;
            ended = true;
            if (started) {
                // Headers are gone: report in-band, as vLLM does, then close the stream properly.
                resp.write("data: " + json(error.body()) + "\n\n");
                resp.end("data: [DONE]\n\n");
            } else {
                HttpApi.writeError(resp, error);
            }
        });
    }

    private void startStream() {
        if (started) return;
        started = true;
        resp.setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache");
        for (ObjectNode c : format.streamStart()) send(c);
    }

    private void send(ObjectNode chunk) {
        resp.write("data: " + json(chunk) + "\n\n");
    }

    static String json(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
