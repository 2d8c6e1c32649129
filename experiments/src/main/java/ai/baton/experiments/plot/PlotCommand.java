package ai.baton.experiments.plot;

import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code baton plot}: throughput versus TPOT and versus TTFT, with Pareto frontiers across configurations, for one
 * or more result directories (sweeps or plain bench results); PNG files and one self-contained HTML report.
 */
@Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Plot throughput vs TPOT and vs TTFT Pareto frontiers across configurations of sweep or bench results. "
                + "Writes OUT/<family>-throughput_vs_tpot.png, ...-throughput_vs_ttft.png and a self-contained OUT/report.html.")
public final class PlotCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR", description = "result directories (or files); several are compared")
    List<Path> dirs = new ArrayList<>();
    @Option(names = "--out", description = "output directory (default: DIR/plots of the first directory)")
    Path out;
    @Option(names = "--stat", defaultValue = "median", description = "latency statistic: mean, median or p99 (default: ${DEFAULT-VALUE})")
    String stat = "median";
    @Option(names = "--y", description = "throughput axis: output, output-per-gpu or request (default: output-per-gpu for sweeps, else output)")
    String yAxis;
    @Option(names = "--log-x", description = "logarithmic latency axis (default: when latencies span more than 30x)")
    Boolean logX;
    @Option(names = "--title", defaultValue = "Baton P:D sweep") String title = "Baton P:D sweep";

    @Override
    public Integer call() throws Exception {
        Path o = out != null ? out : (Files.isDirectory(dirs.get(0)) ? dirs.get(0) : dirs.get(0).getParent()).resolve("plots");
        return render(dirs, o, System.err) > 0 ? 0 : 1;
    }

    /** Draws everything; returns the number of charts written. */
    public int render(List<Path> sources, Path outDir, PrintStream log) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (!List.of("mean", "median", "p99").contains(stat)) throw new IllegalArgumentException("--stat must be mean, median or p99");
        List<RunPoint> points = ResultLoader.load(sources);
        if (points.isEmpty()) {
            log.println("plot: no results with completed requests under " + sources);
            return 0;
        }
        String y = yAxis != null ? yAxis : points.stream().allMatch(p -> p.result().has("sweep")) ? "output-per-gpu" : "output";
        Files.createDirectories(outDir);
        Map<String, List<RunPoint>> families = new LinkedHashMap<>();
        for (RunPoint p : points) families.computeIfAbsent(p.family(), k -> new ArrayList<>()).add(p);
        List<String> names = new ArrayList<>();
        for (Path s : sources) names.add(s.toString());
        HtmlReport html = new HtmlReport(title, names);
        int charts = 0;
        for (var f : families.entrySet()) {
            Map<String, byte[]> pngs = new LinkedHashMap<>();
            // the chosen axis first; for sweeps also total throughput (cost per GPU and raw capacity answer different questions)
            List<String> axes = y.equals("output-per-gpu") ? List.of("output-per-gpu", "output") : List.of(y);
            for (String axis : axes) {
                for (String metric : List.of("tpot", "ttft")) {
                    boolean log10 = logX != null ? logX : spansDecades(f.getValue(), stat, metric);
                    String what = axis.equals("output-per-gpu") ? "throughput per GPU" : "throughput";
                    XYChart c = Charts.frontierChart(title + " - " + f.getKey() + ": " + what + " vs " + metric.toUpperCase(),
                            f.getValue(), stat, metric, axis, log10);
                    String name = safe(f.getKey()) + (axis.equals(y) ? "" : "-total") + "-throughput_vs_" + metric + ".png";
                    Charts.savePng(c, outDir.resolve(name));
                    pngs.put(name, Charts.png(c));
                    log.println("plot: " + outDir.resolve(name));
                    charts++;
                }
            }
            html.family(f.getKey(), pngs, f.getValue(), stat, y);
        }
        Path report = outDir.resolve("report.html");
        Files.writeString(report, html.finish());
        log.println("plot: " + report);
        return charts;
    }

    private static boolean spansDecades(List<RunPoint> ps, String stat, String metric) {
        double lo = Double.MAX_VALUE, hi = 0;
        for (RunPoint p : ps) {
            double v = p.latency(stat, metric);
            if (Double.isNaN(v) || v <= 0) continue;
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return hi / lo > 30;
    }

    static String safe(String s) { return s.replaceAll("[^A-Za-z0-9._-]", "_"); }
}
