package ai.baton.node;

import ai.baton.proto.HeartbeatResponse;
import ai.baton.proto.LoadReport;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.RegisterResponse;
import ai.baton.proto.RegistryServiceGrpc;
import ai.baton.proto.Role;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node side of registration against a fake router registry: register, heartbeat, re-register, survive outages. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RegistryAgentTest {
    private static final String NAME = "registry-" + System.nanoTime();
    private final NodeInfo info = NodeInfo.newBuilder().setNodeId("p-1").setRole(Role.PREFILL).setAddress("host:1").build();
    private Server server;
    private RegistryAgent agent;

    /** A registry that forgets nodes when told to, as a restarted router does. */
    static final class FakeRegistry extends RegistryServiceGrpc.RegistryServiceImplBase {
        final Set<String> known = ConcurrentHashMap.newKeySet();
        final List<NodeInfo> registrations = new CopyOnWriteArrayList<>();
        final List<LoadReport> heartbeats = new CopyOnWriteArrayList<>();

        @Override
        public void register(NodeInfo req, StreamObserver<RegisterResponse> out) {
            registrations.add(req);
            known.add(req.getNodeId());
            out.onNext(RegisterResponse.newBuilder().setHeartbeatIntervalMs(20).build());
            out.onCompleted();
        }

        @Override
        public void heartbeat(LoadReport req, StreamObserver<HeartbeatResponse> out) {
            heartbeats.add(req);
            out.onNext(HeartbeatResponse.newBuilder().setKnown(known.contains(req.getNodeId())).build());
            out.onCompleted();
        }
    }

    private FakeRegistry startRouter() throws Exception {
        FakeRegistry r = new FakeRegistry();
        server = InProcessServerBuilder.forName(NAME).directExecutor().addService(r).build().start();
        return r;
    }

    private void startAgent() {
        agent = new RegistryAgent(InProcessChannelBuilder.forName(NAME).directExecutor().build(), () -> info,
                () -> NodeStats.newBuilder().setRunning(3).build(), Duration.ofMillis(20)).start();
    }

    @AfterEach
    void tearDown() {
        if (agent != null) agent.close();
        if (server != null) server.shutdownNow();
    }

    private static void await(BooleanSupplier c) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < until, "condition not reached in time");
            Thread.sleep(5);
        }
    }

    @Test
    void registersThenHeartbeatsWithLoadReports() throws Exception {
        FakeRegistry router = startRouter();
        startAgent();
        await(() -> router.heartbeats.size() >= 3);
        assertEquals(info, router.registrations.getFirst());
        assertEquals(3, router.heartbeats.getLast().getStats().getRunning());
        assertEquals("p-1", router.heartbeats.getLast().getNodeId());
    }

    @Test
    void registersAgainWhenTheRouterForgetsTheNode() throws Exception {
        FakeRegistry router = startRouter();
        startAgent();
        await(() -> router.heartbeats.size() >= 2);
        router.known.clear();
        await(() -> router.registrations.size() == 2);
        await(() -> agent.registrations() == 2);
    }

    @Test
    void keepsTryingWhileTheRouterIsDownAndRegistersWhenItComesBack() throws Exception {
        startAgent(); // no router yet
        Thread.sleep(100);
        assertTrue(!agent.registered());
        FakeRegistry router = startRouter();
        await(agent::registered);
        int before = agent.registrations();
        server.shutdownNow(); // router dies...
        server.awaitTermination();
        FakeRegistry restarted = startRouter(); // ...and comes back knowing nothing
        await(() -> restarted.registrations.size() == 1);
        await(() -> agent.registrations() == before + 1);
        assertTrue(agent.registered());
    }
}
