package ai.baton.decode;

import ai.baton.kvtransfer.ucx.UcxRuntime;
import ai.baton.node.GrpcServers;
import ai.baton.node.kv.KvSender;
import ai.baton.prefill.PrefillNode;
import ai.baton.prefill.PrefillNodeCommand;
import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.HeartbeatResponse;
import ai.baton.proto.KvTarget;
import ai.baton.proto.LoadReport;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.RegisterResponse;
import ai.baton.proto.RegistryServiceGrpc;
import ai.baton.proto.Role;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node commands as processes: READY line, registration with the router, a request across two processes,
 * clean exit on SIGTERM, a one-line error on bad input, and a decode process killed (SIGKILL) mid-transfer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeProcessTest {
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killAll() {
        processes.forEach(Process::destroyForcibly);
    }

    /** A started node process and the port from its READY line. */
    record Node(Process process, String id, int port, StringBuffer stderr) {}

    private Node launch(String role, String... extra) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss8m", "-Xmx512m",
                "-cp", cp, NodeMain.class.getName(), role, "--model", Fixture.model().toString(), "--port", "0",
                "--metrics-port", "0", "--kv-blocks", "256", "--threads", "1", "--bind-host", "127.0.0.1", "--advertise-host", "127.0.0.1"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).start();
        processes.add(p);
        StringBuffer err = new StringBuffer();
        Thread.ofVirtual().start(() -> p.errorReader().lines().forEach(l -> err.append(l).append('\n')));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                String[] f = line.split(" ");
                assertEquals(role.replace("-node", ""), f[1]);
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
                return new Node(p, f[2], Integer.parseInt(f[3]), err);
            }
        }
        throw new AssertionError(role + " exited before READY: " + err);
    }

    private static void terminate(Node n) throws InterruptedException {
        n.process().destroy(); // SIGTERM
        assertTrue(n.process().waitFor(20, TimeUnit.SECONDS), "exits on SIGTERM");
        assertEquals(143, n.process().exitValue(), "terminated by SIGTERM after its shutdown hook ran");
        assertTrue(!n.stderr().toString().contains("Exception"), n.stderr().toString());
    }

    @Test
    void nodesRegisterServeAcrossProcessesAndStopOnSigterm() throws Exception {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        List<NodeInfo> registered = new CopyOnWriteArrayList<>();
        Server registry = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
                .addService(new RegistryServiceGrpc.RegistryServiceImplBase() {
                    @Override
                    public void register(NodeInfo req, StreamObserver<RegisterResponse> o) {
                        registered.add(req);
                        o.onNext(RegisterResponse.newBuilder().setHeartbeatIntervalMs(200).build());
                        o.onCompleted();
                    }

                    @Override
                    public void heartbeat(LoadReport req, StreamObserver<HeartbeatResponse> o) {
                        o.onNext(HeartbeatResponse.newBuilder().setKnown(true).build());
                        o.onCompleted();
                    }
                }).build().start();
        try (Router router = new Router()) {
            String at = "127.0.0.1:" + registry.getPort();
            Node decode = launch("decode-node", "--router", at, "--node-id", "d-proc");
            Node prefill = launch("prefill-node", "--router", at, "--tp", "2");
            assertEquals("d-proc", decode.id());
            Fixture.Case c = Fixture.cases().get(1);
            Router.Result r = router.disaggregated(router.channel(prefill.port()), router.channel(decode.port()), "proc-1", c.promptIds(), Router.greedy(20));
            assertArrayEquals(c.greedyIds(), r.tokens());
            assertEquals(c.greedyText(), r.text());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (registered.size() < 2 && System.nanoTime() < until) Thread.sleep(20);
            NodeInfo d = registered.stream().filter(i -> i.getRole() == Role.DECODE).findFirst().orElseThrow();
            assertEquals("127.0.0.1:" + decode.port(), d.getAddress());
            assertEquals(256, d.getKvBlocksTotal());
            NodeInfo p = registered.stream().filter(i -> i.getRole() == Role.PREFILL).findFirst().orElseThrow();
            assertEquals(2, p.getTpSize());
            assertEquals(2, p.getKvLayout().getKvHeads());
            assertEquals(0, DecodeServiceGrpc.newBlockingStub(router.channel(decode.port())).stats(ai.baton.proto.StatsRequest.getDefaultInstance()).getKvBlocksUsed());
            terminate(prefill);
            terminate(decode);
        } finally {
            registry.shutdownNow();
        }
    }

    @Test
    void badInputExitsNonZeroWithOneLine() {
        for (String[] args : List.of(new String[] {"--model", "/no/such/model"},
                new String[] {"--model", Fixture.model().toString(), "--tp", "0"},
                new String[] {"--model", Fixture.model().toString(), "--router", "nohostport"})) {
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new PrefillNodeCommand()).setErr(new PrintWriter(err));
            cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
                cmd.getErr().println(ex.getMessage());
                return 1;
            });
            assertNotEquals(0, cl.execute(args));
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
        }
    }

    @Test
    void aDecodeProcessKilledMidTransferFailsThePrefillPromptly() throws Exception {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        Node decode = launch("decode-node");
        CompletableFuture<Long> killed = new CompletableFuture<>();
        PrefillNode prefill = Nodes.prefill("p-killer", 1, s -> new KvSender() {
            @Override
            public Outbound open(String requestId, List<byte[]> targets) {
                Outbound o = s.open(requestId, targets);
                return new Outbound() {
                    @Override
                    public void pushLayer(int rank, int layer, int[] blocks) {
                        if (layer == 1 && !killed.isDone()) {
                            decode.process().destroyForcibly(); // SIGKILL between layer 0 and layer 1
                            try {
                                decode.process().waitFor();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            killed.complete(System.nanoTime());
                        }
                        o.pushLayer(rank, layer, blocks);
                    }

                    @Override public CompletableFuture<Long> done() { return o.done(); }

                    @Override public String transport() { return o.transport(); }

                    @Override public void abort(String reason) { o.abort(reason); }
                };
            }

            @Override public void close() { s.close(); }
        });
        try (Router router = new Router()) {
            int[] prompt = DisaggregatedServingTest.randomTokens(new Random(5), 80);
            KvTarget t = DecodeServiceGrpc.newBlockingStub(router.channel(decode.port())).reserve(Router.reserve("killed", prompt, 10));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> PrefillServiceGrpc.newBlockingStub(router.channel(prefill.port()))
                    .withDeadlineAfter(30, TimeUnit.SECONDS).prefill(Router.prefill("killed", prompt, Router.greedy(10), t)));
            double seconds = (System.nanoTime() - killed.getNow(0L)) / 1e9;
            assertTrue(killed.isDone());
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
            // Well inside the 20 s transfer timeout: the lost peer was detected, not waited out. (On a quiet host it
            // takes milliseconds; the margin is for a loaded CI machine.)
            assertTrue(seconds < 10, "failed " + seconds + " s after the kill");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (prefill.engine().stats().kvBlocksUsed() > 0 && System.nanoTime() < until) Thread.sleep(10);
            assertEquals(0, prefill.engine().stats().kvBlocksUsed(), "the prefill node freed its blocks");
            assertEquals(0, prefill.inFlight());
        } finally {
            prefill.close();
        }
    }
}
