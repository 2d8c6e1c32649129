package ai.baton.router.cluster;

import ai.baton.proto.Role;
import ai.baton.router.RouterOptions;
import ai.baton.router.RouterServer;
import ai.baton.router.api.ServedModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A whole cluster on this host: the router in this process, each node its own process (re-running this launcher),
 * nodes registered with the router before {@link #start} returns. {@link #close} (also the shutdown hook, so Ctrl-C
 * and SIGTERM) stops every node and the router.
 */
public final class ClusterRunner implements AutoCloseable {
    private final RouterServer router;
    private final LocalCluster nodes;
    private final Path runDir;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ClusterRunner(RouterServer router, LocalCluster nodes, Path runDir) {
        this.router = router;
        this.nodes = nodes;
        this.runDir = runDir;
    }

    public static ClusterRunner start(Path model, String backend, ClusterOptions c, RouterOptions r, Launcher launcher)
            throws IOException {
        c.validate();
        r.validate();
        // With no prefill nodes the cluster is collocated: every prompt is prefilled where it is decoded.
        if (c.prefill == 0) r.localPrefillThreshold = Integer.MAX_VALUE;
        ServedModel served = ServedModel.load(model, r.servedModelName);
        Path runDir = c.runDir != null ? c.runDir
                : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(runDir);
        RouterServer router = r.apply(RouterServer.builder(served).host(c.host).httpPort(c.port).grpcPort(c.registryPort))
                .build().start();
        LocalCluster nodes = null;
        try {
            nodes = LocalCluster.start(launcher, runDir, specs(model, backend, c, router.grpcPort()),
                    Duration.ofSeconds(c.readyTimeoutS));
            awaitRegistered(router, c.prefill, c.decode, Duration.ofSeconds(60));
        } catch (RuntimeException | IOException e) {
            if (nodes != null) nodes.close();
            router.close();
            throw e;
        }
        ClusterRunner runner = new ClusterRunner(router, nodes, runDir);
        nodes.watch();
        Runtime.getRuntime().addShutdownHook(new Thread(runner::close, "cluster-shutdown"));
        return runner;
    }

    static List<LocalCluster.NodeSpec> specs(Path model, String backend, ClusterOptions c, int registryPort) {
        int total = c.prefill + c.decode;
        int threads = c.threads > 0 ? c.threads : Math.max(1, Runtime.getRuntime().availableProcessors() / total);
        int gpus = "cuda".equals(backend) ? GpuProbe.count() : 0;
        int nextGpu = 0;
        List<LocalCluster.NodeSpec> out = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            boolean prefill = i < c.prefill;
            String role = prefill ? "prefill" : "decode";
            int index = prefill ? i : i - c.prefill;
            int tp = prefill ? c.tpPrefill : c.tpDecode;
            String id = role + "-" + index;
            List<String> args = new ArrayList<>(List.of(role + "-node", "--model", model.toString(), "--backend", backend,
                    "--tp", Integer.toString(tp), "--port", "0", "--metrics-port", "0",
                    "--router", "127.0.0.1:" + registryPort, "--node-id", id,
                    "--bind-host", "127.0.0.1", "--advertise-host", "127.0.0.1", "--threads", Integer.toString(threads)));
            if (c.kvBlocks > 0) args.addAll(List.of("--kv-blocks", Integer.toString(c.kvBlocks)));
            if (c.kvCacheMib > 0) args.addAll(List.of("--kv-cache-mib", Long.toString(c.kvCacheMib)));
            if (c.kvOffloadMib > 0) args.addAll(List.of("--kv-offload-mib", Long.toString(c.kvOffloadMib)));
            if (c.maxBatchTokens > 0) args.addAll(List.of("--max-batch-tokens", Integer.toString(c.maxBatchTokens)));
            if (c.maxSeqs > 0) args.addAll(List.of("--max-seqs", Integer.toString(c.maxSeqs)));
            if (c.schedulingPolicy != null) args.addAll(List.of("--scheduling-policy", c.schedulingPolicy));
            // Prefill nodes sample one token: only decode nodes speculate.
            if (!prefill && c.speculativeConfig != null && !c.speculativeConfig.isBlank())
                args.addAll(List.of("--speculative-config", c.speculativeConfig));
            Map<String, String> env = new LinkedHashMap<>();
            if (gpus > 0) {
                // Each node gets its own GPUs while there are enough; beyond that they share, round robin.
                List<String> devs = new ArrayList<>();
                for (int k = 0; k < tp; k++) devs.add(Integer.toString((nextGpu++) % gpus));
                env.put("CUDA_VISIBLE_DEVICES", String.join(",", devs));
            }
            out.add(new LocalCluster.NodeSpec(id, args, env));
        }
        return out;
    }

    private static void awaitRegistered(RouterServer router, int prefill, int decode, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (router.registry().healthy(Role.PREFILL).size() < prefill || router.registry().healthy(Role.DECODE).size() < decode) {
            if (System.nanoTime() > end) throw new IllegalStateException("nodes started but did not register with the router within "
                    + timeout.toSeconds() + " s");
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }

    public RouterServer router() { return router; }

    public LocalCluster nodes() { return nodes; }

    public Path runDir() { return runDir; }

    /** The base URL clients use (a wildcard bind address shown as 127.0.0.1). */
    public String baseUrl(String host) {
        String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return "http://" + h + ":" + router.httpPort();
    }

    public void printBanner(String host, int prefill, int decode) {
        String url = baseUrl(host);
        System.out.println("Baton is serving " + router.model().name() + " at " + url + "/v1 (" + prefill + " prefill, "
                + decode + " decode node" + (decode == 1 ? "" : "s") + "; logs in " + runDir + ")");
        System.out.println("Try: curl " + url + "/v1/chat/completions -H 'Content-Type: application/json' -d '{\"model\": \""
                + router.model().name() + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}], \"max_tokens\": 32}'");
        System.out.println("Metrics: " + url + "/metrics    Stop: Ctrl-C");
        System.out.flush();
    }

    /** Blocks until the cluster is closed (by the shutdown hook on Ctrl-C or SIGTERM). */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (stopped.getCount() == 0) return;
        try {
            nodes.close();
            router.close();
        } finally {
            stopped.countDown();
        }
    }
}
