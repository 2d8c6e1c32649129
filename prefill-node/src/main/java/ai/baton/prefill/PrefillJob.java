package ai.baton.prefill;

import ai.baton.engine.RequestListener;
import ai.baton.engine.RequestOutput;
import ai.baton.node.NodeMetrics;
import ai.baton.node.kv.KvSender;

import java.util.concurrent.CompletableFuture;

/**
 * One prefill in flight: its KV transfer and the engine's final output. The layer hook pushes layers into the
 * transfer; the service waits for both the output and the transfer.
 */
final class PrefillJob implements RequestListener {
    final String id;
    final KvSender.Outbound transfer;
    private final NodeMetrics metrics;
    /** The engine's final output: it always comes (ABORT on cancellation or shutdown, ERROR on failure). */
    final CompletableFuture<RequestOutput> finished = new CompletableFuture<>();
    private volatile long firstPushNanos;
    private volatile RequestOutput firstToken;

    PrefillJob(String id, KvSender.Outbound transfer, NodeMetrics metrics) {
        this.id = id;
        this.transfer = transfer;
        this.metrics = metrics;
    }

    @Override
    public void onScheduled(long queueNanos, long startNanos) { metrics.queueTime(queueNanos / 1e9); }

    @Override
    public void onOutput(RequestOutput o) {
        if (o.newToken() >= 0 && firstToken == null) firstToken = o;
        if (o.finished()) finished.complete(o);
    }

    /** The output that carried the sampled token (the final one when max_tokens is 1), or null. */
    RequestOutput firstToken() { return firstToken; }

    /** Called on the engine's (or a TP rank's) thread right after a layer's K/V is written; never throws into it. */
    void push(int rank, int layer, int[] blocks) {
        if (firstPushNanos == 0) firstPushNanos = System.nanoTime();
        try {
            transfer.pushLayer(rank, layer, blocks);
        } catch (RuntimeException e) {
            transfer.abort("push of layer " + layer + " failed: " + e.getMessage());
        }
    }

    long firstPushNanos() { return firstPushNanos; }
}
