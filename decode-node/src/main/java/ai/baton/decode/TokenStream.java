package ai.baton.decode;

import ai.baton.engine.FinishReason;
import ai.baton.engine.RequestListener;
import ai.baton.engine.RequestOutput;
import ai.baton.node.NodeMetrics;
import ai.baton.node.Protos;
import ai.baton.proto.TokenChunk;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.function.Consumer;

/**
 * Streams one request's engine outputs to its Generate call as TokenChunks, on the engine's thread (never blocks:
 * gRPC buffers). After a remote prefill the first token and its text already went to the client with the Prefill
 * response, so they are left out here; the stream carries everything after them.
 */
final class TokenStream implements RequestListener {
    private final ServerCallStreamObserver<TokenChunk> call;
    private final NodeMetrics metrics;
    private final Consumer<TokenStream> onEnd;
    private final long startNanos = System.nanoTime();
    private final boolean remote;
    private boolean skipFirstToken;
    private int skipChars;
    private boolean ended;
    private long lastTokenNanos;
    /** When a remote prefill's KV landed here (0: local prefill); the decode queue runs from then. */
    private volatile long kvLandedNanos;

    /**
     * @param firstText for a remote prefill, the first token's text as the prefill node returned it (null: local
     *                  prefill, stream everything)
     */
    TokenStream(ServerCallStreamObserver<TokenChunk> call, String firstText, NodeMetrics metrics, Consumer<TokenStream> onEnd) {
        this.call = call;
        this.metrics = metrics;
        this.onEnd = onEnd;
        this.remote = firstText != null;
        this.skipFirstToken = remote;
        this.skipChars = firstText == null ? 0 : firstText.length();
    }

    /** Called before the request is admitted to the engine, once its KV has landed. */
    void kvLanded(long nanos) { kvLandedNanos = nanos; }

    @Override
    public void onScheduled(long queueNanos, long startNanos) {
        metrics.queueTime(queueNanos / 1e9);
        long landed = kvLandedNanos;
        if (landed != 0) metrics.decodeQueue(Math.max(0, startNanos - landed) / 1e9);
    }

    @Override
    public synchronized void onOutput(RequestOutput o) {
        if (ended) return;
        TokenChunk.Builder c = TokenChunk.newBuilder().setPromptTokens(o.promptTokens()).setCompletionTokens(o.outputTokens())
                .setCachedTokens(remote ? 0 : o.cachedTokens()); // remote: the Prefill response says what was cached
        boolean content = false;
        if (o.newToken() >= 0) {
            if (skipFirstToken) {
                skipFirstToken = false;
            } else {
                c.addTokenIds(o.newToken());
                if (o.logprobs() != null) c.addLogprobs(Protos.logprob(o.logprobs()));
                if (o.promptLogprobs() != null) c.addAllPromptLogprobs(Protos.promptLogprobs(o.promptLogprobs()));
                content = true;
                long now = System.nanoTime();
                if (lastTokenNanos != 0) metrics.interToken((now - lastTokenNanos) / 1e9);
                else if (!remote) metrics.timeToFirstToken((now - startNanos) / 1e9);
                lastTokenNanos = now;
            }
        }
        String text = o.textDelta();
        if (skipChars > 0 && !text.isEmpty()) {
            int n = Math.min(skipChars, text.length());
            skipChars -= n;
            text = text.substring(n);
        }
        if (!text.isEmpty()) {
            c.setText(text);
            content = true;
        }
        if (o.finished()) {
            c.setFinishReason(o.finish().openAi);
            if (o.error() != null) c.setError(o.error());
            content = true;
        }
        if (!content) return;
        try {
            call.onNext(c.build());
            if (o.finished()) call.onCompleted();
        } catch (RuntimeException e) {
            // The client went away; its cancellation handler aborts the request, and we drop what is left.
        }
        if (o.finished()) {
            ended = true;
            metrics.e2e((System.nanoTime() - startNanos) / 1e9);
            if (o.error() != null) {
                metrics.failure("engine_" + o.finish().openAi);
                if (o.finish() == FinishReason.ERROR)
                    System.getLogger("baton.decode").log(System.Logger.Level.WARNING, "request {0} failed: {1}", o.requestId(), o.error());
            }
            onEnd.accept(this);
        }
    }

    /** Ends the stream with an error status before the engine took the request. */
    synchronized void fail(StatusRuntimeException e) {
        if (ended) return;
        ended = true;
        try {
            call.onError(e);
        } catch (RuntimeException ignored) {
            // already cancelled
        }
        onEnd.accept(this);
    }
}
