package ai.baton.prefill;

import ai.baton.engine.LlmEngine;
import ai.baton.node.BusyMeter;
import ai.baton.node.GrpcServers;
import ai.baton.node.NodeMetrics;
import ai.baton.node.Protos;
import ai.baton.node.ServingNode;
import ai.baton.node.kv.KvSender;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.Role;
import io.grpc.ServerBuilder;

import java.time.Duration;
import java.util.Objects;

/**
 * A prefill node: an engine whose layer hook streams each finished prompt's KV to a decode node, behind the
 * PrefillService gRPC API. Owns the engine, the KV sender and the server; {@link #shutdown} closes all three.
 */
public final class PrefillNode implements ServingNode {
    private final String nodeId;
    private final String modelName;
    private final LlmEngine engine;
    private final KvSender sender;
    private final NodeMetrics metrics;
    private final LayerPusher pusher;
    private final GrpcServers server;
    private final BusyMeter busy;

    private PrefillNode(Builder b) {
        this.nodeId = b.nodeId;
        this.modelName = b.modelName;
        this.engine = Objects.requireNonNull(b.engine, "engine");
        this.sender = Objects.requireNonNull(b.sender, "kvSender");
        this.metrics = b.metrics != null ? b.metrics : new NodeMetrics(modelName, engine::stats, () -> 0);
        this.busy = new BusyMeter(BusyMeter.DEFAULT_WINDOW_NANOS, () -> engine.stats().busyNanos(), System::nanoTime);
        this.pusher = new LayerPusher(engine.runner());
        engine.setLayerHook(pusher);
        engine.start();
        this.server = new GrpcServers(b.server, new PrefillService(engine, sender, pusher, metrics, b.transferTimeout));
    }

    public static Builder builder() { return new Builder(); }

    public static final class Builder {
        private LlmEngine engine;
        private KvSender sender;
        private ServerBuilder<?> server;
        private String nodeId = "prefill";
        private String modelName = "model";
        private NodeMetrics metrics;
        private Duration transferTimeout = Duration.ofSeconds(30);

        /** The engine to serve with; the node takes ownership. */
        public Builder engine(LlmEngine e) { engine = e; return this; }

        /** The KV sender over the engine's caches; the node takes ownership. */
        public Builder kvSender(KvSender s) { sender = s; return this; }

        /** Where to serve: {@code GrpcServers.forPort(host, port)} or an in-process builder. */
        public Builder server(ServerBuilder<?> s) { server = s; return this; }

        public Builder nodeId(String id) { nodeId = id; return this; }

        public Builder modelName(String m) { modelName = m; return this; }

        public Builder metrics(NodeMetrics m) { metrics = m; return this; }

        /** How long a prefill waits for its KV to land after compute before it fails. */
        public Builder transferTimeout(Duration d) { transferTimeout = d; return this; }

        /** Starts the engine loop and the server. */
        public PrefillNode start() {
            if (server == null) server = GrpcServers.forPort("127.0.0.1", 0);
            return new PrefillNode(this);
        }
    }

    public String nodeId() { return nodeId; }

    @Override public int port() { return server.port(); }

    @Override public LlmEngine engine() { return engine; }

    @Override public NodeMetrics metrics() { return metrics; }

    /** Prefills in flight (waiting, computing or transferring). */
    public int inFlight() { return pusher.size(); }

    @Override
    public NodeStats stats() { return Protos.stats(engine.stats(), 0, 0, busy.fraction()); }

    @Override
    public NodeInfo info(String address) { return Protos.nodeInfo(nodeId, Role.PREFILL, address, modelName, engine); }

    @Override
    public void shutdown(long graceMillis) {
        // Calls still running after the grace period are cancelled: their handlers abort the engine request and
        // the transfer, and give back the held blocks; then the engine and UCX close.
        server.shutdown(graceMillis);
        long until = System.nanoTime() + 5_000_000_000L;
        while (pusher.size() > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        engine.setLayerHook(null);
        engine.close();
        sender.close();
    }
}
