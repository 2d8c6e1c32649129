package ai.baton.router.dispatch;

import ai.baton.proto.TokenLogprob;
import ai.baton.router.api.ApiException;

import java.util.List;

/**
 * Receives one request's output, in order, from gRPC threads: when the request asked for its prompt's logprobs, one
 * {@link #onPromptLogprobs} before any token; any number of {@link #onTokens}; then exactly one of {@link #onFinish} or
 * {@link #onError}. Nothing is called after the request is cancelled.
 */
public interface TokenSink {
    /** Prompt tokens 1 .. n-1 (the first has none), each with its requested alternatives. */
    void onPromptLogprobs(List<TokenLogprob> logprobs);

    void onTokens(List<Integer> tokenIds, String text, List<TokenLogprob> logprobs);

    void onFinish(String finishReason, int promptTokens, int completionTokens, int cachedTokens);

    void onError(ApiException error);
}
