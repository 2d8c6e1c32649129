package ai.baton.experiments.plot;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A self-contained HTML report (charts inlined as base64 PNG, no scripts, no external files): per workload family,
 * the frontier charts, the best configuration for a ladder of latency targets, and every point with its
 * server-side time breakdown.
 */
public final class HtmlReport {
    private final StringBuilder b = new StringBuilder();

    public HtmlReport(String title, List<String> sources) {
        b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;font-size:13px;margin:1em 0}")
                .append("td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f2f2f2}td.l,th.l{text-align:left}")
                .append("tr.front td{background:#eef6ee;font-weight:600}img{max-width:100%;border:1px solid #ddd;margin:.5em 0}")
                .append(".note{color:#555;font-size:13px}</style></head><body>\n<h1>").append(esc(title)).append("</h1>\n<p class=\"note\">Results from ")
                .append(esc(String.join(", ", sources))).append(". Frontier rows (green) are configurations no other beats on both latency and throughput.</p>\n");
    }

    public void family(String family, Map<String, byte[]> charts, List<RunPoint> points, String stat, String yAxis) {
        b.append("<h2>Workload: ").append(esc(family)).append("</h2>\n");
        for (var e : charts.entrySet())
            b.append("<img alt=\"").append(esc(e.getKey())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(e.getValue())).append("\">\n");
        // per-GPU answers "cheapest"; total answers "most from this hardware" (on CPU, where every node shares the cores)
        for (String axis : yAxis.equals("output-per-gpu") ? List.of(yAxis, "output") : List.of(yAxis)) {
            bestTable(points, stat, axis, "tpot");
            bestTable(points, stat, axis, "ttft");
        }
        List<RunPoint> ordered = new java.util.ArrayList<>(points);
        List<String> series = points.stream().map(RunPoint::series).distinct().toList();
        ordered.sort(java.util.Comparator.<RunPoint>comparingInt(p -> series.indexOf(p.series())).thenComparingDouble(RunPoint::loadOrder));
        pointTable(ordered, stat, yAxis);
    }

    /** For latency targets spread over the observed range: the best configuration meeting each. */
    private void bestTable(List<RunPoint> points, String stat, String yAxis, String metric) {
        TreeSet<Double> observed = new TreeSet<>();
        for (RunPoint p : points) if (!Double.isNaN(p.latency(stat, metric))) observed.add(p.latency(stat, metric));
        if (observed.size() < 2) return;
        b.append("<h3>Best configuration by ").append(stat).append(' ').append(metric.toUpperCase()).append(" target, by ")
                .append(esc(Charts.yTitle(yAxis))).append("</h3>\n<table><tr><th>target (ms)</th><th class=\"l\">best configuration</th><th class=\"l\">load</th><th>")
                .append(esc(Charts.yTitle(yAxis))).append("</th></tr>\n");
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (double target : targets(observed.first(), observed.last())) {
            RunPoint best = Pareto.bestWithin(points, p -> p.latency(stat, metric), p -> p.y(yAxis), target);
            String key = best == null ? "none" : best.file().toString();
            if (seen.put(key + target, true) != null) continue;
            b.append("<tr><td>").append(fmt(target)).append("</td><td class=\"l\">").append(best == null ? "none meets it" : esc(best.series()))
                    .append("</td><td class=\"l\">").append(best == null ? "" : esc(best.load())).append("</td><td>")
                    .append(best == null ? "" : fmt(best.y(yAxis))).append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    /** Eight targets spaced geometrically from the lowest to the highest observed latency. */
    static double[] targets(double lo, double hi) {
        double[] t = new double[8];
        double a = Math.max(lo, 1e-3), r = Math.pow(hi / a, 1.0 / 7);
        for (int i = 0; i < 8; i++) t[i] = a * Math.pow(r, i);
        t[7] = hi;
        return t;
    }

    private void pointTable(List<RunPoint> points, String stat, String yAxis) {
        List<RunPoint> front = Pareto.frontier(points, p -> p.latency(stat, "tpot"), p -> p.y(yAxis));
        b.append("<h3>All points</h3>\n<table><tr><th class=\"l\">configuration</th><th>GPUs</th><th class=\"l\">load</th><th>req/s</th><th>out tok/s</th><th>out tok/s/GPU</th>")
                .append("<th>TTFT median</th><th>TTFT p99</th><th>TPOT median</th><th>TPOT p99</th><th>ITL median</th><th>E2EL median</th>")
                .append("<th>prefill compute</th><th>KV transfer</th><th>decode queue</th><th>TTFT vs router</th><th>failed</th></tr>\n");
        for (RunPoint p : points) {
            b.append(front.contains(p) ? "<tr class=\"front\">" : "<tr>");
            cell(p.series(), true);
            cell(Integer.toString(p.gpus()), false);
            cell(p.load(), true);
            cell(fmt(p.requestThroughput()), false);
            cell(fmt(p.outputThroughput()), false);
            cell(fmt(p.outputPerGpu()), false);
            for (String[] m : new String[][]{{"median", "ttft"}, {"p99", "ttft"}, {"median", "tpot"}, {"p99", "tpot"}, {"median", "itl"}, {"median", "e2el"}})
                cell(fmt(p.latency(m[0], m[1])), false);
            for (String f : new String[]{"mean_prefill_compute_ms", "mean_kv_transfer_ms", "mean_decode_queue_ms"}) cell(fmt(p.breakdown(f)), false);
            var ag = p.result().path("server_agreement").path("ttft").get("rel_diff");
            cell(ag == null || !ag.isNumber() ? "" : String.format(Locale.ROOT, "%+.1f%%", ag.asDouble() * 100), false);
            cell(p.result().path("failed").asText(), false);
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private void cell(String s, boolean left) {
        b.append(left ? "<td class=\"l\">" : "<td>").append(esc(s)).append("</td>");
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) return "";
        return String.format(Locale.ROOT, d >= 100 ? "%.0f" : d >= 10 ? "%.1f" : "%.2f", d);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public String finish() {
        return b + "</body></html>\n";
    }
}
