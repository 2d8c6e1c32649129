package ai.baton.router.dispatch;

import ai.baton.proto.Sampling;

/**
 * One generation request as the dispatcher needs it: already tokenized and validated.
 *
 * @param arrivalNanos when the HTTP request arrived (System.nanoTime), for latency metrics
 */
public record GenRequest(String id, int[] prompt, Sampling sampling, long arrivalNanos) {
    public int maxTokens() { return sampling.getMaxTokens(); }
}
