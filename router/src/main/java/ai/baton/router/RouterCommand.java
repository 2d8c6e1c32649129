package ai.baton.router;

import ai.baton.router.api.ServedModel;
import ai.baton.router.hub.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code baton router}: the OpenAI-compatible front door, on its own host; nodes register with it. */
@Command(name = "router", mixinStandardHelpOptions = true,
        description = "Run the router: OpenAI-compatible HTTP API, node registry, cache-aware routing of prefill and decode.")
public final class RouterCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory or hub id (org/name), for the tokenizer and chat template")
    String model;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "HTTP bind address (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "HTTP port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--registry-port", defaultValue = "50051",
            description = "gRPC port nodes register with (their --router host:port) (default: ${DEFAULT-VALUE})")
    int registryPort;

    @Mixin RouterOptions options;

    @Override
    public Integer call() throws Exception {
        options.validate();
        Path dir = ModelResolver.fromEnvironment().resolve(model);
        ServedModel served = ServedModel.load(dir, options.servedModelName);
        RouterServer server = options.apply(RouterServer.builder(served).host(host).httpPort(port).grpcPort(registryPort))
                .build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "router-shutdown"));
        System.out.println("READY router " + server.httpPort() + " " + server.grpcPort());
        System.out.println("baton router: serving " + served.name() + " on http://" + host + ":" + server.httpPort()
                + " (nodes register at port " + server.grpcPort() + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
