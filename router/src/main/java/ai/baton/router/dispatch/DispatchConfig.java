package ai.baton.router.dispatch;

/**
 * Timeouts and limits of the Reserve → Prefill → Generate orchestration.
 *
 * @param reserveTimeoutMs  deadline of a Reserve (and Release) call
 * @param prefillTimeoutMs  deadline of a Prefill call, KV transfer included
 * @param maxPrefillRetries prefill attempts on other nodes after a failure, before prefilling on the decode node
 * @param maxDecodeAttempts decode nodes tried before giving up (only before any token was streamed)
 * @param maxWaiting        requests allowed to wait at the router for KV room; beyond it, 503
 * @param queueTimeoutMs    how long a request may wait for KV room before a 503
 */
public record DispatchConfig(long reserveTimeoutMs, long prefillTimeoutMs, int maxPrefillRetries, int maxDecodeAttempts,
                             int maxWaiting, long queueTimeoutMs) {

    public static DispatchConfig defaults() {
        return new DispatchConfig(10_000, 300_000, 2, 3, 1024, 60_000);
    }

    public DispatchConfig withMaxWaiting(int n) {
        return new DispatchConfig(reserveTimeoutMs, prefillTimeoutMs, maxPrefillRetries, maxDecodeAttempts, n, queueTimeoutMs);
    }

    public DispatchConfig withQueueTimeoutMs(long ms) {
        return new DispatchConfig(reserveTimeoutMs, prefillTimeoutMs, maxPrefillRetries, maxDecodeAttempts, maxWaiting, ms);
    }

    public DispatchConfig withPrefillTimeoutMs(long ms) {
        return new DispatchConfig(reserveTimeoutMs, ms, maxPrefillRetries, maxDecodeAttempts, maxWaiting, queueTimeoutMs);
    }
}
