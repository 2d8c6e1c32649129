package ai.baton.experiments.bench;

/**
 * What one request measured, in seconds from the moment it was sent. {@code itl} holds the gaps between
 * consecutive streamed chunks that carried text; a chunk may carry several tokens, so TPOT uses the token count
 * the server reported in its usage block.
 *
 * @param startNanos       System.nanoTime() when the request was sent
 * @param promptLen        the dataset's prompt length
 * @param serverPromptLen  usage.prompt_tokens, or -1 when the server sent no usage
 * @param outputTokens     usage.completion_tokens, else the number of text chunks
 * @param chunkTimes       offsets (s) from start of every text chunk: the first is the TTFT
 */
public record RequestOutput(boolean success, String error, long startNanos, double ttft, double[] itl,
                            double latency, int promptLen, int serverPromptLen, int outputTokens,
                            double[] chunkTimes, String generatedText, String finishReason) {

    public static RequestOutput failure(long startNanos, double latency, int promptLen, String error) {
        return new RequestOutput(false, error, startNanos, 0, new double[0], latency, promptLen, -1, 0,
                new double[0], "", null);
    }

    /** Input tokens to count: the server's figure when it gave one (it includes any chat template). */
    public int inputTokens() { return serverPromptLen >= 0 ? serverPromptLen : promptLen; }

    /** Time per output token after the first, or NaN for a request with fewer than two tokens. */
    public double tpot() {
        return outputTokens > 1 ? (latency - ttft) / (outputTokens - 1) : Double.NaN;
    }
}
