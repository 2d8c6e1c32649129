package ai.baton.decode;

import ai.baton.node.GrpcServers;
import ai.baton.node.NodeOptions;
import ai.baton.node.NodeRunner;
import ai.baton.node.kv.KvEngine;
import ai.baton.node.kv.UcxKvReceiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code baton decode-node}: serves DecodeService on its own host until SIGTERM. */
@Command(name = "decode-node", mixinStandardHelpOptions = true,
        description = "Run a decode node: reserve KV blocks, receive prefilled KV, decode with continuous batching, stream tokens.")
public final class DecodeNodeCommand implements Callable<Integer> {
    @Mixin NodeOptions node;

    @Option(names = "--port", defaultValue = "50071", description = "gRPC port, 0 = any free port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--metrics-port", defaultValue = "9171", description = "Prometheus /metrics port, 0 = any, -1 = off (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--lease-ms", defaultValue = "60000", description = "how long reserved blocks wait for their KV and Generate call (default: ${DEFAULT-VALUE})")
    long leaseMs;

    @Override
    public Integer call() {
        node.validate();
        NodeOptions.checkPort("--port", port, false);
        NodeOptions.checkPort("--metrics-port", metricsPort, true);
        if (leaseMs < 1) throw new IllegalArgumentException("--lease-ms must be >= 1");
        String id = node.nodeId("decode", port);
        KvEngine kv = KvEngine.open(node.engineConfig(), node.kvAgent(id).leaseDuration(Duration.ofMillis(leaseMs)).build());
        UcxKvReceiver receiver = kv.receiver();
        DecodeNode n;
        try {
            n = DecodeNode.builder().engine(kv.engine()).kvReceiver(receiver).server(GrpcServers.forPort(node.bindHost, port))
                    .nodeId(id).modelName(node.modelName()).lease(Duration.ofMillis(leaseMs)).start();
        } catch (RuntimeException e) {
            kv.engine().close(); // before the agent: the agent's pools hold the engine's KV memory
            receiver.close();
            throw e;
        }
        return NodeRunner.serveUntilSignal("decode", id, n, node, metricsPort);
    }
}
