package ai.baton.prefill;

import ai.baton.node.GrpcServers;
import ai.baton.node.NodeOptions;
import ai.baton.node.NodeRunner;
import ai.baton.node.kv.KvEngine;
import ai.baton.node.kv.UcxKvSender;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code baton prefill-node}: serves PrefillService on its own host until SIGTERM. */
@Command(name = "prefill-node", mixinStandardHelpOptions = true,
        description = "Run a prefill node: prefill prompts (prefix caching, chunked prefill, batching) and push their KV to decode nodes.")
public final class PrefillNodeCommand implements Callable<Integer> {
    @Mixin NodeOptions node;

    @Option(names = "--port", defaultValue = "50061", description = "gRPC port, 0 = any free port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--metrics-port", defaultValue = "9161", description = "Prometheus /metrics port, 0 = any, -1 = off (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--transfer-timeout-ms", defaultValue = "30000", description = "how long a prefill waits for its KV to land (default: ${DEFAULT-VALUE})")
    long transferTimeoutMs;

    @Override
    public Integer call() {
        node.validate();
        NodeOptions.checkPort("--port", port, false);
        NodeOptions.checkPort("--metrics-port", metricsPort, true);
        if (transferTimeoutMs < 1) throw new IllegalArgumentException("--transfer-timeout-ms must be >= 1");
        String id = node.nodeId("prefill", port);
        KvEngine kv = KvEngine.open(node.engineConfig(), node.kvAgent(id).build());
        UcxKvSender sender = kv.sender();
        PrefillNode n;
        try {
            n = PrefillNode.builder().engine(kv.engine()).kvSender(sender).server(GrpcServers.forPort(node.bindHost, port))
                    .nodeId(id).modelName(node.modelName()).transferTimeout(Duration.ofMillis(transferTimeoutMs)).start();
        } catch (RuntimeException e) {
            kv.engine().close(); // before the agent: the agent's pools hold the engine's KV memory
            sender.close();
            throw e;
        }
        return NodeRunner.serveUntilSignal("prefill", id, n, node, metricsPort);
    }
}
