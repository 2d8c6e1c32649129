package ai.baton.decode;

import ai.baton.engine.LlmEngine;
import ai.baton.node.BusyMeter;
import ai.baton.node.GrpcServers;
import ai.baton.node.NodeMetrics;
import ai.baton.node.Protos;
import ai.baton.node.ServingNode;
import ai.baton.node.kv.KvReceiver;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.Role;
import io.grpc.ServerBuilder;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A decode node: an engine running the continuously batched decode loop, the reservations whose KV prefill nodes
 * push into it, and the DecodeService gRPC API. Owns the engine, the KV receiver and the server.
 */
public final class DecodeNode implements ServingNode {
    private static final System.Logger LOG = System.getLogger("baton.decode");

    private final String nodeId;
    private final String modelName;
    private final LlmEngine engine;
    private final KvReceiver receiver;
    private final NodeMetrics metrics;
    private final Reservations reservations;
    private final DecodeService service;
    private final ExecutorService cleanup = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService sweeper;
    private final GrpcServers server;
    private final BusyMeter busy;

    private DecodeNode(Builder b) {
        this.nodeId = b.nodeId;
        this.modelName = b.modelName;
        this.engine = Objects.requireNonNull(b.engine, "engine");
        this.receiver = Objects.requireNonNull(b.receiver, "kvReceiver");
        this.reservations = new Reservations(engine, receiver, b.clock, b.lease, cleanup);
        this.metrics = b.metrics != null ? b.metrics : new NodeMetrics(modelName, engine::stats, reservations::size);
        this.busy = new BusyMeter(BusyMeter.DEFAULT_WINDOW_NANOS, () -> engine.stats().busyNanos(), System::nanoTime);
        engine.start();
        this.service = new DecodeService(nodeId, engine, reservations, metrics, this::stats);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("lease-sweeper").unstarted(r));
        sweeper.scheduleWithFixedDelay(this::sweep, b.sweepEvery.toMillis(), b.sweepEvery.toMillis(), TimeUnit.MILLISECONDS);
        this.server = new GrpcServers(b.server, service);
    }

    public static Builder builder() { return new Builder(); }

    public static final class Builder {
        private LlmEngine engine;
        private KvReceiver receiver;
        private ServerBuilder<?> server;
        private String nodeId = "decode";
        private String modelName = "model";
        private NodeMetrics metrics;
        private Duration lease = Duration.ofSeconds(60);
        private Duration sweepEvery = Duration.ofMillis(100);
        private LongSupplier clock = System::nanoTime;

        /** The engine to serve with; the node takes ownership. */
        public Builder engine(LlmEngine e) { engine = e; return this; }

        /** The KV receiver over the engine's caches; the node takes ownership. */
        public Builder kvReceiver(KvReceiver r) { receiver = r; return this; }

        public Builder server(ServerBuilder<?> s) { server = s; return this; }

        public Builder nodeId(String id) { nodeId = id; return this; }

        public Builder modelName(String m) { modelName = m; return this; }

        public Builder metrics(NodeMetrics m) { metrics = m; return this; }

        /** How long a reservation waits for its Generate call (and its KV) before its blocks are freed. */
        public Builder lease(Duration d) { lease = d; return this; }

        /** Nanosecond clock for lease deadlines (a fake one in tests). */
        public Builder clock(LongSupplier c) { clock = c; return this; }

        /** How often expired leases are looked for. */
        public Builder sweepEvery(Duration d) { sweepEvery = d; return this; }

        public DecodeNode start() {
            if (server == null) server = GrpcServers.forPort("127.0.0.1", 0);
            return new DecodeNode(this);
        }
    }

    private void sweep() {
        try {
            int n = reservations.expire();
            if (n > 0) LOG.log(System.Logger.Level.INFO, n + " reservation(s) expired");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "lease sweep failed", e);
        }
    }

    /** Checks lease deadlines now (tests with a fake clock). */
    public int expireLeases() { return reservations.expire(); }

    public String nodeId() { return nodeId; }

    @Override public int port() { return server.port(); }

    @Override public LlmEngine engine() { return engine; }

    @Override public NodeMetrics metrics() { return metrics; }

    public KvReceiver kvReceiver() { return receiver; }

    /** Reservations waiting for their KV or their Generate call. */
    public int pendingReservations() { return reservations.size(); }

    /** Blocks held by reservations (including ones being released). */
    public int reservedBlocks() { return reservations.blocksHeld(); }

    /** Generate calls still streaming. */
    public int activeStreams() { return service.activeStreams(); }

    @Override
    public NodeStats stats() {
        return Protos.stats(engine.stats(), reservations.blocksHeld(), reservations.size(), busy.fraction());
    }

    @Override
    public NodeInfo info(String address) { return Protos.nodeInfo(nodeId, Role.DECODE, address, modelName, engine); }

    @Override
    public void shutdown(long graceMillis) {
        // New calls stop; streams get the grace period, then are cancelled (aborting their requests).
        server.shutdown(graceMillis);
        sweeper.shutdownNow();
        reservations.releaseAll("node shutting down");
        awaitZero(() -> reservations.blocksHeld() + service.activeStreams(), 5_000);
        engine.close(); // aborts whatever still runs; first, since the receiver's agent may own the KV memory
        receiver.close();
        cleanup.shutdownNow();
    }

    private static void awaitZero(java.util.function.IntSupplier n, long millis) {
        long until = System.nanoTime() + millis * 1_000_000;
        while (n.getAsInt() > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
