package ai.baton.router.testing;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.LlmEngine;
import ai.baton.proto.Role;
import ai.baton.router.RouterServer;
import ai.baton.router.api.ServedModel;
import ai.baton.router.dispatch.DispatchConfig;
import ai.baton.router.registry.Ticker;
import ai.baton.router.routing.RoutingConfig;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A router on an ephemeral HTTP port with in-process gRPC, and fake nodes over one shared collocated engine. */
public final class TestRouter implements AutoCloseable {
    private static LlmEngine sharedEngine;
    private static ServedModel sharedModel;

    public final RouterServer router;
    public final Http http;
    public final List<FakeNode> prefill = new ArrayList<>();
    public final List<FakeNode> decode = new ArrayList<>();

    public static synchronized LlmEngine engine() {
        if (sharedEngine == null) {
            sharedEngine = LlmEngine.open(EngineConfig.forModel(Fixtures.textTiny()).withThreads(1));
            sharedEngine.start();
        }
        return sharedEngine;
    }

    public static synchronized ServedModel model() {
        if (sharedModel == null) sharedModel = ServedModel.load(Fixtures.textTiny(), null);
        return sharedModel;
    }

    public TestRouter(int prefills, int decodes, RoutingConfig routing) throws IOException {
        this(prefills, decodes, b -> b.routing(routing));
    }

    public TestRouter(int prefills, int decodes, UnaryOperator<RouterServer.Builder> config) throws IOException {
        RouterServer.Builder b = RouterServer.builder(model()).host("127.0.0.1").httpPort(0)
                .grpcServer(InProcessServerBuilder.forName("router-" + System.nanoTime()))
                .channels(addr -> InProcessChannelBuilder.forName(addr).build())
                .routing(RoutingConfig.defaults().withLocalPrefillThreshold(-1))
                .dispatch(DispatchConfig.defaults())
                .healthIntervalMs(3_600_000);
        router = config.apply(b).build().start();
        http = new Http(router.httpPort());
        for (int i = 0; i < prefills; i++) addNode(Role.PREFILL, 4096);
        for (int i = 0; i < decodes; i++) addNode(Role.DECODE, 4096);
    }

    public FakeNode addNode(Role role, int capacityBlocks) throws IOException {
        return addNode(role, capacityBlocks, "fcfs");
    }

    /** A fake node that registers as scheduling by {@code schedulingPolicy} ("fcfs" or "priority"). */
    public FakeNode addNode(Role role, int capacityBlocks, String schedulingPolicy) throws IOException {
        List<FakeNode> list = role == Role.PREFILL ? prefill : decode;
        FakeNode n = new FakeNode((role == Role.PREFILL ? "prefill-" : "decode-") + list.size(), role, engine(), capacityBlocks);
        n.schedulingPolicy = schedulingPolicy;
        list.add(n);
        router.registry().register(n.info());
        return n;
    }

    public static Ticker ticker() { return Ticker.system(); }

    @Override
    public void close() {
        router.close();
        prefill.forEach(FakeNode::close);
        decode.forEach(FakeNode::close);
    }
}
