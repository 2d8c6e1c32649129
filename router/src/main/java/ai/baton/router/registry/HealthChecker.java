package ai.baton.router.registry;

import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.NodeStats;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.Role;
import ai.baton.proto.StatsRequest;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Probes every node's Stats RPC. A node that fails {@code failThreshold} probes in a row leaves routing; one that
 * answers again is re-admitted; one that has not answered for {@code removeAfterNanos} is forgotten (if it comes back
 * it registers again, told so by its next heartbeat). {@link #tick} does one round: the router schedules it, tests
 * call it with a fake ticker.
 */
public final class HealthChecker {
    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    private final NodeRegistry registry;
    private final int failThreshold;
    private final long probeTimeoutMs;
    private final long removeAfterNanos;

    public HealthChecker(NodeRegistry registry, int failThreshold, long probeTimeoutMs, long removeAfterNanos) {
        this.registry = registry;
        this.failThreshold = failThreshold;
        this.probeTimeoutMs = probeTimeoutMs;
        this.removeAfterNanos = removeAfterNanos;
    }

    /** Starts one probe per node; results land asynchronously. */
    public void tick() {
        long now = registry.ticker().nanos();
        for (NodeHandle n : registry.all()) {
            if (!n.healthy() && now - n.lastOkNanos() > removeAfterNanos) {
                registry.remove(n.id());
                continue;
            }
            probe(n);
        }
    }

    private void probe(NodeHandle n) {
        StreamObserver<NodeStats> done = new StreamObserver<>() {
            @Override
            public void onNext(NodeStats s) {
                n.updateStats(s);
                if (n.probeOk(registry.ticker().nanos())) {
                    LOG.info(() -> "node " + n + " answers again: re-admitted");
                    registry.fire("readmit " + n.id());
                }
            }

            @Override
            public void onError(Throwable t) {
                if (n.probeFailed(failThreshold)) {
                    LOG.warning(() -> "node " + n + " failed " + failThreshold + " health checks: out of routing");
                    registry.fire("down " + n.id());
                }
            }

            @Override
            public void onCompleted() {}
        };
        try {
            if (n.role() == Role.PREFILL) {
                PrefillServiceGrpc.newStub(n.channel()).withDeadlineAfter(probeTimeoutMs, TimeUnit.MILLISECONDS)
                        .stats(StatsRequest.getDefaultInstance(), done);
            } else {
                DecodeServiceGrpc.newStub(n.channel()).withDeadlineAfter(probeTimeoutMs, TimeUnit.MILLISECONDS)
                        .stats(StatsRequest.getDefaultInstance(), done);
            }
        } catch (RuntimeException e) {
            done.onError(e);
        }
    }
}
