package ai.baton.router.cluster;

import ai.baton.engine.model.DemoModel;
import ai.baton.router.RouterOptions;
import ai.baton.router.hub.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code baton demo}: a local cluster on the embedded default (a small model Baton makes itself, CPU unless there is
 * a GPU), a short burst of requests with TTFT, ITL and throughput printed, then the router stays up for curl.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local cluster on the embedded demo model, send a short burst, print TTFT, ITL and throughput, keep serving.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--model", description = "serve this Hugging Face directory or hub id instead of the embedded demo model")
    String model;

    @Option(names = "--backend", defaultValue = "auto", description = "auto (cuda when a GPU is present), cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--requests", defaultValue = "16", description = "requests in the burst (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--concurrency", defaultValue = "4", description = "requests in flight at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--max-tokens", defaultValue = "32", description = "tokens generated per request (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--demo-model-dir", defaultValue = "runs/baton-demo",
            description = "where the embedded demo model is written (once) (default: ${DEFAULT-VALUE})")
    Path demoModelDir;

    @Option(names = "--exit", description = "stop the cluster after the burst instead of serving")
    boolean exitAfterBurst;

    @Mixin ClusterOptions cluster;
    @Mixin RouterOptions router;

    /** How nodes are started; tests replace it. */
    Launcher launcher;

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || concurrency < 1 || maxTokens < 1) throw new IllegalArgumentException("--requests, --concurrency and --max-tokens must be >= 1");
        String be = switch (backend) {
            case "auto" -> GpuProbe.cudaUsable() ? "cuda" : "cpu";
            case "cpu", "cuda" -> backend;
            default -> throw new IllegalArgumentException("--backend must be auto, cpu or cuda, got " + backend);
        };
        Path dir;
        if (model == null) {
            System.out.println("baton demo: preparing the embedded demo model (random weights, Baton's own tokenizer)...");
            dir = DemoModel.create(demoModelDir.toAbsolutePath());
        } else {
            dir = ModelResolver.fromEnvironment().resolve(model);
        }
        System.out.println("baton demo: starting " + cluster.prefill + " prefill + " + cluster.decode + " decode node(s) on " + be + "...");
        ClusterRunner runner = ClusterRunner.start(dir, be, cluster, router, launcher != null ? launcher : Launcher.forCurrentProcess());
        try {
            String url = runner.baseUrl(cluster.host);
            LoadBurst.Result r = LoadBurst.run(url, runner.router().model().name(), requests, concurrency, maxTokens, router.apiKey);
            r.print(System.out);
            if (r.failures() > 0 && r.completed() == 0) throw new IllegalStateException("every demo request failed: " + r.firstError());
        } catch (RuntimeException e) {
            runner.close();
            throw e;
        }
        if (exitAfterBurst) {
            runner.close();
            return 0;
        }
        runner.printBanner(cluster.host, cluster.prefill, cluster.decode);
        runner.awaitShutdown();
        return 0;
    }
}
