package ai.baton.engine;

import ai.baton.engine.sampling.TokenLogprobs;

/**
 * What one engine step produced for one request: usually one new token (with its text, which can be empty while a
 * UTF-8 character or a possible stop string is incomplete), and on the last output the finish reason.
 *
 * @param newToken     the sampled token id, or -1 when this output only reports the finish
 * @param textDelta    newly completed text
 * @param logprobs     when requested
 * @param finish       null while the request runs
 * @param promptTokens prompt length
 * @param outputTokens tokens generated so far
 * @param cachedTokens prompt tokens served from the prefix cache (or from a remote prefill)
 * @param error        the message when finish is ERROR
 * @param promptLogprobs when requested, on the output of the first token only: entry p for prompt token p, entry 0 null
 */
public record RequestOutput(String requestId, int newToken, String textDelta, TokenLogprobs logprobs,
                            FinishReason finish, int promptTokens, int outputTokens, int cachedTokens, String error,
                            java.util.List<TokenLogprobs> promptLogprobs) {

    /** An output without prompt logprobs. */
    public RequestOutput(String requestId, int newToken, String textDelta, TokenLogprobs logprobs, FinishReason finish,
                         int promptTokens, int outputTokens, int cachedTokens, String error) {
        this(requestId, newToken, textDelta, logprobs, finish, promptTokens, outputTokens, cachedTokens, error, null);
    }

    public boolean finished() { return finish != null; }
}
