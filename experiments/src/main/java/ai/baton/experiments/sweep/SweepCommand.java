package ai.baton.experiments.sweep;

import ai.baton.experiments.bench.Bench;
import ai.baton.experiments.bench.BenchOptions;
import ai.baton.experiments.bench.Preset;
import ai.baton.experiments.metrics.ScrapeTarget;
import ai.baton.experiments.plot.PlotCommand;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code baton sweep}: for each configuration of a P:D × TP grid (plus collocated baselines) within the GPU budget,
 * start a local cluster with the launcher, run every workload against it with the in-process bench, stop it, and
 * write one directory per configuration, summary.csv and the plots. A point whose result file exists is not run
 * again, so an interrupted sweep resumes where it stopped.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sweep P:D ratios and TP degrees: bring each cluster up, benchmark it, tear it down. "
                + "Writes OUT/<config>/<workload>.json (vllm bench serve format), OUT/summary.csv and OUT/plots/. Resumable.")
public final class SweepCommand implements Callable<Integer> {
    @Option(names = "--model", description = "model directory passed to baton up (or use --synthetic-shape)")
    Path model;
    @Option(names = "--synthetic-shape", description = "instead of --model: a config.json (e.g. fixtures/hub-configs/qwen3-0.6b.json) to build a random-weight model of, once, under OUT/model")
    Path syntheticShape;
    @Option(names = "--synthetic-tokenizer", description = "tokenizer directory for --synthetic-shape (e.g. fixtures/tokenizers/qwen3)")
    Path syntheticTokenizer;
    @Option(names = "--out", required = true, description = "output directory (re-running with the same one resumes)")
    Path out;
    @Option(names = "--ratios", defaultValue = "1:1", description = "P:D ratios, e.g. 3:1,2:1,1:1,1:2,1:3 (0:D = collocated) (default: ${DEFAULT-VALUE})")
    String ratios;
    @Option(names = "--tp", defaultValue = "1", description = "TP degrees for both roles; every (prefill, decode) pair is run (default: ${DEFAULT-VALUE})")
    String tp;
    @Option(names = "--tp-prefill", description = "prefill TP degrees (default: --tp)")
    String tpPrefill;
    @Option(names = "--tp-decode", description = "decode TP degrees (default: --tp)")
    String tpDecode;
    @Option(names = "--collocated", description = "TP degrees of collocated baselines (one node that prefills and decodes), e.g. 1,2,4")
    String collocated;
    @Option(names = "--collocated-replicas", defaultValue = "1", description = "nodes in each collocated baseline (default: ${DEFAULT-VALUE})")
    int collocatedReplicas;
    @Option(names = "--gpus", defaultValue = "-1", description = "GPU budget: configurations with P*tp_p + D*tp_d above it are skipped; 0 = no limit; default: nvidia-smi's count, or no limit without GPUs")
    int gpus;

    @Option(names = "--preset", description = "workloads: seed presets, comma-separated (${COMPLETION-CANDIDATES}) or 'all'",
            completionCandidates = BenchOptions.PresetNames.class)
    String presets;
    @Option(names = "--request-rates", description = "workloads: a request-rate ladder over the dataset settings, e.g. 1,2,4,inf")
    String requestRates;
    @Option(names = "--concurrencies", description = "workloads: a concurrency ladder (request rate inf), e.g. 1,4,16")
    String concurrencies;
    @Option(names = "--max-concurrency", description = "cap for every request-rate rung")
    Integer maxConcurrency;
    @Option(names = {"--dataset", "--dataset-name"}, defaultValue = "random") String dataset;
    @Option(names = "--dataset-path") Path datasetPath;
    @Option(names = "--random-input-len", description = "prompt tokens of ladder rungs (and overrides presets')") Integer inputLen;
    @Option(names = "--random-output-len", description = "output tokens of ladder rungs (and overrides presets')") Integer outputLen;
    @Option(names = "--random-range-ratio") Double rangeRatio;
    @Option(names = "--num-prompts", description = "requests per point (default: the preset's, or 200 for ladders)") Integer numPrompts;
    @Option(names = "--point-seconds", defaultValue = "0", description = "for request-rate rungs: at least rate x this many requests, so fast rungs last as long as slow ones (default: off)")
    double pointSeconds;
    @Option(names = "--burstiness", defaultValue = "1.0") double burstiness;
    @Option(names = "--endpoint", defaultValue = "/v1/completions") String endpoint;
    @Option(names = "--goodput", arity = "1..*", description = "objectives for goodput, e.g. ttft:2000 tpot:100") List<String> goodput = new ArrayList<>();
    @Option(names = "--num-warmups", defaultValue = "4", description = "unmeasured requests before each point (JIT, connections) (default: ${DEFAULT-VALUE})")
    int warmups;
    @Option(names = "--warmup-seconds", defaultValue = "30", description = "load before the first point of each configuration (JIT: a fresh JVM node is slow for tens of seconds) (default: ${DEFAULT-VALUE})")
    double warmupSeconds;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--trace", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "write a Chrome trace of each point (its requests and the nodes' engine steps from /debug/steps) "
                    + "beside its result; --no-trace leaves it out (default: on)")
    boolean trace;

    @Option(names = "--port", defaultValue = "18000", description = "router port of the clusters (default: ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--up-arg", description = "extra argument for baton up (repeatable), e.g. --up-arg=--backend --up-arg=cuda")
    List<String> upArgs = new ArrayList<>();
    @Option(names = "--startup-timeout", defaultValue = "600", description = "seconds to wait for a cluster's /health (default: ${DEFAULT-VALUE})")
    int startupTimeoutS;
    @Option(names = "--force", description = "re-run points that already have results")
    boolean force;
    @Option(names = "--dry-run", description = "print the plan and exit")
    boolean dryRun;
    @Option(names = "--no-plot", description = "do not draw plots at the end")
    boolean noPlot;

    private final PrintStream log = System.err;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (syntheticShape == null)) throw new IllegalArgumentException("give either --model or --synthetic-shape");
        if (syntheticShape != null && syntheticTokenizer == null) throw new IllegalArgumentException("--synthetic-shape needs --synthetic-tokenizer DIR");
        List<Integer> tps = SweepGrid.ints(tp, "--tp");
        List<Integer> tpP = tpPrefill != null ? SweepGrid.ints(tpPrefill, "--tp-prefill") : tps;
        List<Integer> tpD = tpDecode != null ? SweepGrid.ints(tpDecode, "--tp-decode") : tps;
        List<Integer> colo = SweepGrid.ints(collocated, "--collocated");
        int budget = gpus >= 0 ? gpus : GpuCount.detect();
        SweepGrid.Plan plan = SweepGrid.plan(SweepGrid.ratios(ratios), tpP, tpD, colo, collocatedReplicas, budget);
        List<Workload> workloads = workloads();
        if (plan.run().isEmpty()) throw new IllegalArgumentException("no configuration fits the GPU budget of " + budget);

        log.printf("sweep: %d configurations x %d workloads (GPU budget: %s)%n", plan.run().size(), workloads.size(),
                budget > 0 ? budget : "none");
        for (ClusterShape c : plan.run()) log.printf("  %-16s %-22s %d GPU(s)%n", c.id(), c.label(), c.gpus());
        for (ClusterShape c : plan.overBudget()) log.printf("  %-16s %-22s %d GPU(s): over budget, skipped%n", c.id(), c.label(), c.gpus());
        for (Workload w : workloads) log.println("  workload " + w.id());
        Files.createDirectories(out);
        writePlan(plan, workloads, budget);
        if (dryRun) return 0;
        if (syntheticShape != null) model = SyntheticModel.ensure(syntheticShape, syntheticTokenizer, out.resolve("model"), log).toAbsolutePath();

        Path launcher = ClusterProcess.launcher();
        int failures = 0;
        for (ClusterShape c : plan.run()) {
            Path dir = out.resolve(c.id());
            List<Workload> pending = new ArrayList<>();
            for (Workload w : workloads) if (force || !Files.exists(dir.resolve(w.id() + ".json"))) pending.add(w);
            if (pending.isEmpty()) {
                log.println("== " + c.id() + ": done already");
                continue;
            }
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve("FAILED.txt"));
            log.printf("== %s (%s, %d GPU(s)): starting the cluster%n", c.id(), c.label(), c.gpus());
            // node logs next to the results: they name each node's /metrics port (baton up picks free ports)
            List<String> extra = new ArrayList<>(upArgs);
            Path nodeLogs = dir.resolve("nodes");
            if (!upArgs.contains("--run-dir") && upArgs.stream().noneMatch(a -> a.startsWith("--run-dir="))) {
                extra.add("--run-dir");
                extra.add(nodeLogs.toAbsolutePath().toString());
            }
            List<String> cmd = ClusterProcess.command(launcher, model, c, port, extra);
            ClusterProcess cluster = ClusterProcess.start(cmd, dir.resolve("cluster.log"), port, c).nodeLogs(nodeLogs);
            try {
                long t = System.nanoTime();
                cluster.awaitReady(Duration.ofSeconds(startupTimeoutS));
                log.printf("   ready in %.1f s%n", (System.nanoTime() - t) / 1e9);
                boolean first = true;
                for (Workload w : pending) {
                    if (!runPoint(c, w, dir, cluster, first ? warmupSeconds : 0)) failures++;
                    first = false;
                    writeSummary(plan, workloads);
                }
            } catch (Exception e) {
                failures++;
                log.println("   FAILED: " + e.getMessage());
                Files.writeString(dir.resolve("FAILED.txt"), String.valueOf(e.getMessage()) + "\n");
            } finally {
                cluster.stop(Duration.ofSeconds(30));
                cluster.awaitPortFree(Duration.ofSeconds(30));
            }
            writeSummary(plan, workloads);
        }
        writeSummary(plan, workloads);
        log.println("summary: " + out.resolve("summary.csv"));
        if (!noPlot) {
            try {
                new PlotCommand().render(List.of(out), out.resolve("plots"), log);
            } catch (LinkageError | Exception e) {
                // the GPU bundle's runtime has no java.desktop (AWT): plot on a workstation instead
                log.println("plots skipped (" + e + "): run `baton plot " + out + "` where Java has java.desktop");
            }
        }
        return failures == 0 ? 0 : 2;
    }

    private List<Workload> workloads() {
        List<Workload> w = new ArrayList<>();
        if (presets != null) {
            for (String p : presets.split(",")) {
                if (p.trim().equals("all")) for (Preset x : Preset.values()) w.add(Workload.ofPreset(x));
                else w.add(Workload.ofPreset(Preset.of(p.trim())));
            }
        }
        if (requestRates != null) for (String r : requestRates.split(",")) w.add(Workload.ofRate(r, maxConcurrency));
        if (concurrencies != null) for (int c : SweepGrid.ints(concurrencies, "--concurrencies")) w.add(Workload.ofConcurrency(c));
        if (w.isEmpty()) w.add(Workload.ofPreset(Preset.LONG_PROMPT));
        return w;
    }

    /**
     * Each rung draws its own prompts: a configuration's cluster lives through all its rungs, and prompts repeated
     * from an earlier rung would be served from the prefix cache (seen: half of a GPU rung's prompt tokens cached,
     * experiments/README.md findings 3 and 6). Every configuration gets the same prompts for the same rung.
     */
    static long rungSeed(long seed, Workload w) {
        return seed + 1_000_003L * w.id().hashCode();
    }

    /** The bench settings of one point against one cluster. */
    BenchOptions benchOptions(ClusterShape c, Workload w, Path dir, ClusterProcess cluster, double warmup) {
        BenchOptions o = new BenchOptions();
        o.baseUrl = cluster.baseUrl();
        o.endpoint = endpoint;
        o.dataset = dataset;
        o.datasetPath = datasetPath;
        o.randomInputLen = inputLen;
        o.randomOutputLen = outputLen;
        o.randomRangeRatio = rangeRatio;
        o.burstiness = burstiness;
        o.goodput = goodput;
        o.seed = rungSeed(seed, w);
        o.numWarmups = warmups;
        o.warmupSeconds = warmup;
        o.label = c.label();
        o.requestRate = w.rate();
        if (w.preset() != null) {
            o.preset = w.preset().id;
            o.numPrompts = numPrompts;
        } else {
            int n = numPrompts != null ? numPrompts : 200;
            double rate = o.rate();
            if (pointSeconds > 0 && Double.isFinite(rate)) n = Math.max(n, (int) Math.ceil(rate * pointSeconds));
            o.numPrompts = n;
            o.maxConcurrency = w.concurrency();
            o.ignoreEos = true;  // a ladder compares loads: every point asks for the same tokens
        }
        o.metricsUrls = cluster.nodeMetricsUrls();
        if (trace) {
            o.trace = dir.resolve(w.id() + ".trace.json");
            o.stepLogUrls = new ArrayList<>();
            for (String spec : o.metricsUrls) {
                String steps = ScrapeTarget.parse(spec).stepLogSpec();
                if (steps != null) o.stepLogUrls.add(steps);
            }
        }
        return o;
    }

    private boolean runPoint(ClusterShape c, Workload w, Path dir, ClusterProcess cluster, double warmup) throws IOException {
        log.printf("-- %s / %s%n", c.id(), w.id());
        Path file = dir.resolve(w.id() + ".json");
        Path failed = dir.resolve(w.id() + ".failed.txt");
        try {
            BenchOptions o = benchOptions(c, w, dir, cluster, warmup);
            ObjectNode r = new Bench(o, log).run();
            ObjectNode s = r.putObject("sweep");
            s.put("config", c.id());
            s.put("label", c.label());
            s.put("prefill", c.prefill());
            s.put("decode", c.decode());
            s.put("tp_prefill", c.tpPrefill());
            s.put("tp_decode", c.tpDecode());
            s.put("gpus", c.gpus());
            s.put("workload", w.id());
            s.put("seed", o.seed);
            s.put("family", w.family(shape(o)));
            Path tmp = dir.resolve(w.id() + ".json.tmp");
            Bench.JSON.writeValue(tmp.toFile(), r);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(failed);
            return r.path("completed").asInt() > 0;
        } catch (Exception e) {
            log.println("   point failed: " + e);
            Files.writeString(failed, e + "\n");
            return false;
        }
    }

    private static String shape(BenchOptions o) {
        if (o.dataset.equals("sharegpt")) return "sharegpt";
        return "random-" + o.inputLen() + "-" + o.outputLen();
    }

    private void writeSummary(SweepGrid.Plan plan, List<Workload> workloads) throws IOException {
        SummaryCsv csv = new SummaryCsv();
        for (ClusterShape c : plan.run()) {
            Path dir = out.resolve(c.id());
            for (Workload w : workloads) {
                Path f = dir.resolve(w.id() + ".json");
                String family = w.preset() != null ? w.preset().id : "";
                if (Files.exists(f)) {
                    JsonNode r = Bench.JSON.readTree(f.toFile());
                    csv.addResult(c, w.id(), r.path("sweep").path("family").asText(family), r);
                } else if (Files.exists(dir.resolve(w.id() + ".failed.txt"))) {
                    csv.addStatus(c, w.id(), family, "failed");
                } else if (Files.exists(dir.resolve("FAILED.txt"))) {
                    csv.addStatus(c, w.id(), family, "cluster-failed");
                } else {
                    csv.addStatus(c, w.id(), family, "pending");
                }
            }
        }
        for (ClusterShape c : plan.overBudget())
            for (Workload w : workloads) csv.addStatus(c, w.id(), w.preset() != null ? w.preset().id : "", "over-gpu-budget");
        csv.write(out.resolve("summary.csv"));
    }

    private void writePlan(SweepGrid.Plan plan, List<Workload> workloads, int budget) throws IOException {
        ObjectNode p = Bench.JSON.createObjectNode();
        p.put("model", model != null ? model.toString() : "synthetic " + syntheticShape);
        p.put("gpu_budget", budget);
        ArrayNode run = p.putArray("configurations");
        for (ClusterShape c : plan.run()) run.add(c.id());
        ArrayNode over = p.putArray("over_budget");
        for (ClusterShape c : plan.overBudget()) over.add(c.id());
        ArrayNode ws = p.putArray("workloads");
        for (Workload w : workloads) ws.add(w.id());
        ArrayNode up = p.putArray("up_args");
        upArgs.forEach(up::add);
        Bench.JSON.writeValue(out.resolve("plan.json").toFile(), p);
    }
}
