package ai.baton.node;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a started node as a process: metrics endpoint, registration with the router, the READY line that
 * launchers wait for, and a clean shutdown on SIGTERM (calls drained or cancelled, every block freed, UCX closed).
 */
public final class NodeRunner {
    private static final System.Logger LOG = System.getLogger("baton.node");
    private static final long GRACE_MS = 5_000;

    private NodeRunner() {}

    /** Blocks until the JVM is asked to stop; returns the exit code. */
    public static int serveUntilSignal(String role, String nodeId, ServingNode node, NodeOptions opts, int metricsPort) {
        MetricsEndpoint metrics = null;
        RegistryAgent agent = null;
        try {
            if (metricsPort >= 0) metrics = MetricsEndpoint.start(opts.bindHost, metricsPort, node.metrics(), node.engine()::recentSteps);
            String address = opts.advertisedHost() + ":" + node.port();
            if (opts.router != null) {
                agent = RegistryAgent.connect(opts.router, () -> node.info(address), node::stats,
                        Duration.ofMillis(opts.heartbeatMs)).start();
            }
        } catch (RuntimeException e) {
            if (agent != null) agent.close();
            if (metrics != null) metrics.close();
            node.shutdown(0);
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        MetricsEndpoint m = metrics;
        RegistryAgent a = agent;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("node-shutdown").unstarted(() -> {
            LOG.log(System.Logger.Level.INFO, "stopping " + nodeId);
            if (a != null) a.close();
            node.shutdown(GRACE_MS);
            if (m != null) m.close();
            stopped.countDown();
        }));
        System.out.println("READY " + role + " " + nodeId + " " + node.port());
        System.out.flush();
        LOG.log(System.Logger.Level.INFO, role + " node " + nodeId + " serving gRPC on " + node.port()
                + (metrics != null ? ", metrics on " + metrics.port() : ""));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
