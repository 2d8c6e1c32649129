package ai.baton.router.testing;

import ai.baton.decode.DecodeNode;
import ai.baton.engine.EngineConfig;
import ai.baton.engine.LlmEngine;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.node.GrpcServers;
import ai.baton.node.MetricsEndpoint;
import ai.baton.node.RegistryAgent;
import ai.baton.node.ServingNode;
import ai.baton.node.kv.UcxKvReceiver;
import ai.baton.node.kv.UcxKvSender;
import ai.baton.prefill.PrefillNode;
import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.NodeStats;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.StatsRequest;
import ai.baton.router.RouterServer;
import ai.baton.router.routing.RoutingConfig;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A real cluster in this JVM: the router (HTTP and registry on ephemeral ports), and real prefill and decode nodes
 * (CPU engines on the fixture, gRPC on localhost, kv-transfer between them) that register themselves through the
 * registry agent, as node processes do.
 */
public final class RealCluster implements AutoCloseable {
    public final RouterServer router;
    public final Http http;
    public final List<ServingNode> prefill = new ArrayList<>();
    public final List<ServingNode> decode = new ArrayList<>();
    private final List<RegistryAgent> agents = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    /** Each node's metrics port (/metrics, /debug/steps), prefill nodes first, as node processes serve it. */
    private final List<MetricsEndpoint> metrics = new ArrayList<>();

    private final UnaryOperator<EngineConfig> prefillConfig, decodeConfig;

    public RealCluster(int prefills, int decodes, RoutingConfig routing) throws Exception {
        this(prefills, decodes, routing, ai.baton.engine.spec.SpeculativeConfig.NONE);
    }

    /** With speculative decoding on the decode nodes. */
    public RealCluster(int prefills, int decodes, RoutingConfig routing, ai.baton.engine.spec.SpeculativeConfig decodeSpeculation) throws Exception {
        this(prefills, decodes, routing, c -> c, c -> c.withSpeculative(decodeSpeculation));
    }

    /** With each node kind's engine configured by changing the default ({@link #engineConfig()}). */
    public RealCluster(int prefills, int decodes, RoutingConfig routing, UnaryOperator<EngineConfig> prefillConfig,
                       UnaryOperator<EngineConfig> decodeConfig) throws Exception {
        this.prefillConfig = prefillConfig;
        this.decodeConfig = decodeConfig;
        router = RouterServer.builder(TestRouter.model()).host("127.0.0.1").httpPort(0).grpcPort(0).routing(routing)
                .heartbeatIntervalMs(200).healthIntervalMs(500).defaultMaxTokens(8).build().start();
        http = new Http(router.httpPort());
        try {
            for (int i = 0; i < prefills; i++) prefill.add(startPrefill("prefill-" + i));
            for (int i = 0; i < decodes; i++) decode.add(startDecode("decode-" + i));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (router.registry().all().size() < prefills + decodes) {
                if (System.nanoTime() > end) throw new IllegalStateException("nodes did not register");
                Thread.sleep(20);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    public static EngineConfig engineConfig() {
        return EngineConfig.forModel(Fixtures.textTiny()).withThreads(1).withKvBlocks(512).withMaxBatchTokens(256);
    }

    static KvAgentConfig kv(String name) {
        return KvAgentConfig.builder().name(name).bindHost("127.0.0.1").advertiseHost("127.0.0.1")
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2)).cancelGrace(Duration.ofMillis(500)).build();
    }

    private ServingNode startPrefill(String name) {
        LlmEngine engine = LlmEngine.open(prefillConfig.apply(engineConfig()));
        PrefillNode n = PrefillNode.builder().engine(engine).kvSender(UcxKvSender.open(kv(name), engine))
                .server(GrpcServers.forPort("127.0.0.1", 0)).nodeId(name).modelName("qwen3-text-tiny")
                .transferTimeout(Duration.ofSeconds(20)).start();
        register(n);
        return n;
    }

    private ServingNode startDecode(String name) {
        LlmEngine engine = LlmEngine.open(decodeConfig.apply(engineConfig()));
        DecodeNode n = DecodeNode.builder().engine(engine).kvReceiver(UcxKvReceiver.open(kv(name), engine))
                .server(GrpcServers.forPort("127.0.0.1", 0)).nodeId(name).modelName("qwen3-text-tiny")
                .lease(Duration.ofSeconds(60)).start();
        register(n);
        return n;
    }

    private void register(ServingNode n) {
        String address = "127.0.0.1:" + n.port();
        agents.add(RegistryAgent.connect("127.0.0.1:" + router.grpcPort(), () -> n.info(address), n::stats,
                Duration.ofMillis(200)).start());
        channels.add(Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build());
        metrics.add(MetricsEndpoint.start("127.0.0.1", 0, n.metrics(), n.engine()::recentSteps));
    }

    /** Base URL of node {@code i}'s metrics port (prefill nodes are 0..P-1, then decode nodes). */
    public String metricsBase(int i) { return "http://127.0.0.1:" + metrics.get(i).port(); }

    /** Every node's Stats, asked over gRPC as the router does: prefill nodes first. */
    public List<NodeStats> stats() {
        List<NodeStats> out = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) out.add(stats(i));
        return out;
    }

    /** Node {@code i}'s Stats (prefill nodes are 0..P-1, then decode nodes). */
    public NodeStats stats(int i) {
        if (i < prefill.size())
            return PrefillServiceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(5, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance());
        return DecodeServiceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(5, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance());
    }

    /** Waits (a few seconds at most) until no node holds a KV block for a request; fails with the holders. */
    public void assertNoBlocksInUse() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<NodeStats> s = stats();
            boolean clean = s.stream().allMatch(x -> x.getKvBlocksUsed() == 0 && x.getKvBlocksReserved() == 0);
            if (clean) return;
            if (System.nanoTime() > end) throw new AssertionError("KV blocks still in use: " + s);
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        agents.forEach(RegistryAgent::close);
        channels.forEach(ManagedChannel::shutdownNow);
        metrics.forEach(MetricsEndpoint::close);
        if (router != null) router.close();
        // A test may have stopped a node already (shutdown is not idempotent on every node kind).
        for (ServingNode n : prefill) quietly(n);
        for (ServingNode n : decode) quietly(n);
    }

    private static void quietly(ServingNode n) {
        try {
            n.shutdown(0);
        } catch (RuntimeException ignored) {
            // already stopped
        }
    }
}
