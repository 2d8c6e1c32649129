package ai.baton.router.cluster;

import ai.baton.router.RouterOptions;
import ai.baton.router.hub.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code baton up}: a local cluster in one command; Ctrl-C or SIGTERM stops it all. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a local cluster: the router here, each prefill and decode node its own process, a log per node.")
public final class UpCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory, or a hub id (org/name) to fetch")
    String model;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;

    @Mixin ClusterOptions cluster;
    @Mixin RouterOptions router;

    /** How nodes are started; tests replace it. */
    Launcher launcher;

    @Override
    public Integer call() throws Exception {
        if (!"cpu".equals(backend) && !"cuda".equals(backend)) throw new IllegalArgumentException("--backend must be cpu or cuda, got " + backend);
        Path dir = ModelResolver.fromEnvironment().resolve(model);
        System.out.println("baton up: starting " + cluster.prefill + " prefill + " + cluster.decode + " decode node(s) on " + backend + "...");
        ClusterRunner runner = ClusterRunner.start(dir, backend, cluster, router, launcher != null ? launcher : Launcher.forCurrentProcess());
        runner.printBanner(cluster.host, cluster.prefill, cluster.decode);
        runner.awaitShutdown();
        return 0;
    }
}
