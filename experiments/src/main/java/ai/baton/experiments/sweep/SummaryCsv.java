package ai.baton.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** summary.csv of a sweep: one row per (configuration, workload), from the result files and failure markers. */
public final class SummaryCsv {
    public static final List<String> COLUMNS = List.of("config", "label", "prefill", "decode", "tp_prefill", "tp_decode",
            "gpus", "workload", "family", "request_rate", "max_concurrency", "status", "completed", "failed", "duration_s",
            "request_throughput", "output_throughput", "output_throughput_per_gpu", "total_token_throughput", "request_goodput",
            "mean_ttft_ms", "median_ttft_ms", "p99_ttft_ms", "mean_tpot_ms", "median_tpot_ms", "p99_tpot_ms",
            "mean_itl_ms", "median_itl_ms", "p99_itl_ms", "mean_e2el_ms", "median_e2el_ms", "p99_e2el_ms",
            "mean_prefill_compute_ms", "mean_kv_transfer_ms", "mean_decode_queue_ms", "ttft_vs_router", "itl_vs_router");

    private final List<List<String>> rows = new ArrayList<>();

    public void addResult(ClusterShape c, String workload, String family, JsonNode r) {
        List<String> row = base(c, workload, family);
        row.add(text(r.get("request_rate")));
        row.add(text(r.get("max_concurrency")));
        row.add(r.path("completed").asInt() > 0 ? "ok" : "no-completions");
        for (String f : List.of("completed", "failed", "duration", "request_throughput", "output_throughput")) row.add(num(r.get(f)));
        double perGpu = r.path("output_throughput").asDouble() / Math.max(1, c.gpus());
        row.add(fmt(perGpu));
        row.add(num(r.get("total_token_throughput")));
        row.add(num(r.get("request_goodput")));
        for (String m : List.of("ttft", "tpot", "itl", "e2el"))
            for (String s : List.of("mean", "median", "p99")) row.add(num(r.get(s + "_" + m + "_ms")));
        JsonNode tb = r.path("time_breakdown");
        for (String f : List.of("mean_prefill_compute_ms", "mean_kv_transfer_ms", "mean_decode_queue_ms")) row.add(num(tb.get(f)));
        JsonNode ag = r.path("server_agreement");
        row.add(num(ag.path("ttft").get("rel_diff")));
        row.add(num(ag.path("itl").get("rel_diff")));
        rows.add(row);
    }

    public void addStatus(ClusterShape c, String workload, String family, String status) {
        List<String> row = base(c, workload, family);
        row.add("");
        row.add("");
        row.add(status);
        while (row.size() < COLUMNS.size()) row.add("");
        rows.add(row);
    }

    private static List<String> base(ClusterShape c, String workload, String family) {
        List<String> row = new ArrayList<>();
        row.add(c.id());
        row.add(c.label());
        row.add(Integer.toString(c.prefill()));
        row.add(Integer.toString(c.decode()));
        row.add(Integer.toString(c.tpPrefill()));
        row.add(Integer.toString(c.tpDecode()));
        row.add(Integer.toString(c.gpus()));
        row.add(workload);
        row.add(family);
        return row;
    }

    public void write(Path file) throws IOException {
        StringBuilder b = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (List<String> r : rows) {
            List<String> cells = new ArrayList<>();
            for (String s : r) cells.add(quote(s));
            b.append(String.join(",", cells)).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static String quote(String s) {
        if (s == null) return "";
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String text(JsonNode n) { return n == null || n.isNull() ? "" : n.asText(); }

    private static String num(JsonNode n) {
        if (n == null || n.isNull() || !n.isNumber()) return "";
        return n.isIntegralNumber() ? n.asText() : fmt(n.asDouble());
    }

    private static String fmt(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) return "";
        return String.format(Locale.ROOT, "%.4f", d);
    }
}
