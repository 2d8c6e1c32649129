package ai.baton.node;

import ai.baton.proto.HeartbeatResponse;
import ai.baton.proto.LoadReport;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.RegisterResponse;
import ai.baton.proto.RegistryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's side of the router's registry: registers at start, then heartbeats with a load report; registers
 * again when the router answers "unknown" (it restarted or dropped us as dead). A router that is down only
 * delays registration: the node keeps serving and keeps trying.
 */
public final class RegistryAgent implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("baton.node.registry");
    private static final long RPC_DEADLINE_MS = 2_000;
    private static final long MAX_RETRY_MS = 5_000;

    private final ManagedChannel channel;
    private final RegistryServiceGrpc.RegistryServiceBlockingStub stub;
    private final Supplier<NodeInfo> info;
    private final Supplier<NodeStats> stats;
    private final ScheduledExecutorService timer;
    private final long defaultIntervalMs;
    private volatile boolean registered;
    private volatile boolean routerReachable = true;
    private volatile long intervalMs;
    private volatile int registrations;
    private long retryMs;

    /** {@code router} is host:port; the agent owns the channel it opens. */
    public static RegistryAgent connect(String router, Supplier<NodeInfo> info, Supplier<NodeStats> stats, Duration interval) {
        return new RegistryAgent(ManagedChannelBuilder.forTarget(router).usePlaintext().build(), info, stats, interval);
    }

    /** Takes ownership of {@code channel}. */
    public RegistryAgent(ManagedChannel channel, Supplier<NodeInfo> info, Supplier<NodeStats> stats, Duration interval) {
        this.channel = channel;
        this.stub = RegistryServiceGrpc.newBlockingStub(channel);
        this.info = info;
        this.stats = stats;
        this.defaultIntervalMs = interval.toMillis();
        this.intervalMs = defaultIntervalMs;
        this.retryMs = defaultIntervalMs;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("registry-agent").unstarted(r));
    }

    public RegistryAgent start() {
        timer.execute(this::tick);
        return this;
    }

    /** One registration or heartbeat attempt, then schedules the next. */
    private void tick() {
        long next;
        try {
            if (!registered) register();
            else heartbeat();
            next = registered ? intervalMs : 0;
            retryMs = defaultIntervalMs;
            if (!routerReachable) LOG.log(System.Logger.Level.INFO, "router reachable again");
            routerReachable = true;
        } catch (StatusRuntimeException e) {
            if (routerReachable) LOG.log(System.Logger.Level.WARNING, "router unreachable, still serving: " + e.getStatus());
            routerReachable = false;
            // Our own retry schedule (at most MAX_RETRY_MS) decides when to try again, not the channel's
            // reconnect backoff, which grows to minutes and would keep a recovered router waiting.
            channel.resetConnectBackoff();
            next = retryMs;
            retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "registry agent: " + e);
            next = retryMs;
        }
        if (!timer.isShutdown()) {
            try {
                timer.schedule(this::tick, next, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    private void register() {
        NodeInfo node = info.get();
        RegisterResponse r = stub.withDeadlineAfter(RPC_DEADLINE_MS, TimeUnit.MILLISECONDS).register(node);
        intervalMs = r.getHeartbeatIntervalMs() > 0 ? r.getHeartbeatIntervalMs() : defaultIntervalMs;
        registrations++;
        registered = true;
        LOG.log(System.Logger.Level.INFO, "registered " + node.getNodeId() + " (" + node.getRole() + " at " + node.getAddress()
                + "), heartbeat every " + intervalMs + " ms");
    }

    private void heartbeat() {
        NodeInfo node = info.get();
        HeartbeatResponse r = stub.withDeadlineAfter(RPC_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .heartbeat(LoadReport.newBuilder().setNodeId(node.getNodeId()).setStats(stats.get()).build());
        if (!r.getKnown()) {
            LOG.log(System.Logger.Level.INFO, "router does not know " + node.getNodeId() + ": registering again");
            registered = false;
        }
    }

    public boolean registered() { return registered; }

    /** How many times the node registered (more than once after router restarts). */
    public int registrations() { return registrations; }

    @Override
    public void close() {
        timer.shutdownNow();
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
