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
import java.util.Arrays;
import java.util.List;

/**
 * Writes one HTTP request's output to its response: SSE chunks as tokens arrive when streaming, one JSON body at the
 * end otherwise. The request's choices (n per prompt) each run as their own {@link Exchange} and report to their own
 * {@link #choice} sink; the response ends when every choice has finished, or at the first error (which cancels the
 * others). Callbacks come from gRPC threads and hop onto the request's Vert.x context, which owns the response and
 * all state here. Measures TTFT (arrival to the first token of any choice), inter-token latency (per choice) and
 * end-to-end latency (the last choice's end).
 */
final class HttpSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Context context;
    private final HttpServerResponse resp;
    private final ApiRequest req;
    private final ResponseFormat format;
    private final RouterMetrics metrics;
    private final ChoiceSink[] choices;
    private final List<Exchange> exchanges = new ArrayList<>();
    private boolean started;
    private boolean ended;
    private boolean anyToken;
    private int finished;
    private int completionTokens;
    private final int[] promptTokens, cachedTokens;   // per prompt: each counts once however many choices share it

    HttpSink(Context context, HttpServerResponse resp, ApiRequest req, ResponseFormat format, RouterMetrics metrics) {
        this.context = context;
        this.resp = resp;
        this.req = req;
        this.format = format;
        this.metrics = metrics;
        this.choices = new ChoiceSink[req.choices()];
        for (int i = 0; i < choices.length; i++) choices[i] = new ChoiceSink(i);
        this.promptTokens = new int[req.prompts().size()];
        this.cachedTokens = new int[req.prompts().size()];
        resp.closeHandler(v -> context.runOnContext(x -> clientGone()));
    }

    /** The sink of choice {@code i}, for the exchange that runs {@link ApiRequest#choice}(i). */
    TokenSink choice(int i) { return choices[i]; }

    /** Called on the request's context with each choice's exchange, in order, as it starts. */
    void attach(Exchange e) {
        exchanges.add(e);
        if (ended) e.cancel();
    }

    /** A choice could not be started (the dispatcher refused it): cancel the others and answer with the error. */
    void refused(ApiException error) {
        fail(error);
    }

    private void clientGone() {
        if (ended) return;
        ended = true;
        cancelAll();
    }

    private void cancelAll() {
        for (Exchange e : exchanges) e.cancel();
    }

    private void fail(ApiException error) {
        if (ended) return;
        ended = true;
        cancelAll();
        if (started) {
            // Headers are gone: report in-band, as vLLM does, then close the stream properly.
            send(format.streamError(error));
            resp.end(format.sseDone() ? "data: [DONE]\n\n" : "");
        } else {
            HttpApi.writeError(resp, error);
        }
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
        String event = format.sseEvent(chunk);
        resp.write((event == null ? "" : "event: " + event + "\n") + "data: " + json(chunk) + "\n\n");
    }

    private void allFinished() {
        Usage usage = new Usage(Arrays.stream(promptTokens).sum(), completionTokens, Arrays.stream(cachedTokens).sum());
        if (req.stream()) {
            ObjectNode u = format.streamUsage(usage);
            if (u != null) send(u);
            resp.end(format.sseDone() ? "data: [DONE]\n\n" : "");
        } else {
            List<ResponseFormat.Choice> out = new ArrayList<>(choices.length);
            for (ChoiceSink c : choices) out.add(new ResponseFormat.Choice(c.text.toString(), c.ids, c.lps, c.finishReason, c.promptLps));
            resp.putHeader("Content-Type", "application/json").end(json(format.full(out, usage)));
        }
        metrics.e2e((System.nanoTime() - req.gen().arrivalNanos()) / 1e9);
    }

    static String json(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One choice's output; its state is touched only on the request's context. */
    private final class ChoiceSink implements TokenSink {
        private final int index;
        private final StringBuilder text = new StringBuilder();
        private final List<Integer> ids = new ArrayList<>();
        private final List<TokenLogprob> lps = new ArrayList<>();
        private List<TokenLogprob> promptLps;
        private long lastTokenNanos;
        private String finishReason;

        ChoiceSink(int index) { this.index = index; }

        @Override
        public void onPromptLogprobs(List<TokenLogprob> logprobs) {
            context.runOnContext(v -> {
                if (ended || finishReason != null) return;
                if (req.stream()) {
                    startStream();
                    ObjectNode chunk = format.streamPrompt(index, logprobs);
                    if (chunk != null) send(chunk);
                } else {
                    promptLps = List.copyOf(logprobs);
                }
            });
        }

        @Override
        public void onTokens(List<Integer> tokenIds, String delta, List<TokenLogprob> logprobs) {
            context.runOnContext(v -> {
                if (ended || finishReason != null) return;
                long now = System.nanoTime();
                if (!anyToken) metrics.ttft((now - req.gen().arrivalNanos()) / 1e9);
                else if (lastTokenNanos != 0) metrics.itl((now - lastTokenNanos) / 1e9);
                anyToken = true;
                lastTokenNanos = now;
                if (req.stream()) {
                    startStream();
                    if (!delta.isEmpty() || (req.logprobs() >= 0 && !logprobs.isEmpty())) {
                        ObjectNode chunk = format.streamDelta(index, delta, tokenIds, logprobs);
                        if (chunk != null) send(chunk);  // null: the format holds the text back for now
                    }
                } else {
                    text.append(delta);
                    ids.addAll(tokenIds);
                    lps.addAll(logprobs);
                }
            });
        }

        @Override
        public void onFinish(String reason, int prompt, int completion, int cached) {
            context.runOnContext(v -> {
                if (ended || finishReason != null) return;
                finishReason = reason;
                // A prompt counts once however many choices share it; its cached part is the best any choice saw.
                int p = req.promptOf(index);
                promptTokens[p] = prompt;
                cachedTokens[p] = Math.max(cachedTokens[p], cached);
                completionTokens += completion;
                if (req.stream()) {
                    startStream();
                    for (ObjectNode c : format.streamEnd(index, reason, new Usage(prompt, completion, cached))) send(c);
                }
                if (++finished == choices.length) {
                    ended = true;
                    allFinished();
                }
            });
        }

        @Override
        public void onError(ApiException error) {
            context.runOnContext(v -> fail(error));
        }
    }
}
