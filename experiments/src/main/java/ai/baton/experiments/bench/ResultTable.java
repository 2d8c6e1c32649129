package ai.baton.experiments.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.List;

/** Prints a run's result as vllm bench serve does, plus the server-side breakdown when the servers report one. */
final class ResultTable {
    private ResultTable() {}

    static void print(PrintStream out, ObjectNode r, BenchMetrics m, List<String> metrics, List<Double> percentiles, Goodput goodput) {
        out.println("============ Serving Benchmark Result ============");
        row(out, "Successful requests:", Integer.toString(m.completed));
        row(out, "Failed requests:", Integer.toString(m.failed));
        if (r.hasNonNull("max_concurrency")) row(out, "Maximum request concurrency:", r.get("max_concurrency").asText());
        row(out, "Benchmark duration (s):", f(m.duration));
        row(out, "Total input tokens:", Long.toString(m.totalInput));
        row(out, "Total generated tokens:", Long.toString(m.totalOutput));
        row(out, "Request throughput (req/s):", f(m.requestThroughput()));
        if (!goodput.isEmpty()) row(out, "Request goodput (req/s):", f(m.requestGoodput()));
        row(out, "Output token throughput (tok/s):", f(m.outputThroughput()));
        row(out, "Peak output token throughput (tok/s):", f(m.maxOutputTokensPerS));
        row(out, "Peak concurrent requests:", Integer.toString(m.maxConcurrentRequests));
        row(out, "Total token throughput (tok/s):", f(m.totalTokenThroughput()));
        String[][] heads = {{"ttft", "Time to First Token", "TTFT"}, {"tpot", "Time per Output Token (excl. 1st token)", "TPOT"},
                {"itl", "Inter-token Latency", "ITL"}, {"e2el", "End-to-end Latency", "E2EL"}};
        for (String[] h : heads) {
            if (!metrics.contains(h[0])) continue;
            LatencySummary s = m.of(h[0]);
            out.println(center(h[1]));
            row(out, "Mean " + h[2] + " (ms):", f(s.mean()));
            row(out, "Median " + h[2] + " (ms):", f(s.median()));
            for (double p : percentiles) row(out, "P" + BenchMetrics.percentileLabel(p) + " " + h[2] + " (ms):", f(s.percentile(p)));
        }
        JsonNode tb = r.get("time_breakdown");
        if (tb != null) {
            out.println(center("Where the time goes (server)"));
            ms(out, "Mean prefill compute (ms):", tb.get("mean_prefill_compute_ms"));
            ms(out, "Mean KV transfer wait (ms):", tb.get("mean_kv_transfer_ms"));
            ms(out, "Mean decode queue (ms):", tb.get("mean_decode_queue_ms"));
            ms(out, "Mean router queue (ms):", tb.get("mean_router_queue_ms"));
            for (var e : tb.path("nodes").properties()) ms(out, e.getKey() + " busy fraction:", e.getValue().get("busy_fraction"));
            if (!tb.path("missing").isEmpty()) row(out, "Not served:", tb.get("missing").toString());
        }
        JsonNode ag = r.get("server_agreement");
        if (ag != null) {
            out.println(center("Bench vs router /metrics (means)"));
            for (String k : new String[]{"ttft", "itl", "e2el"}) {
                JsonNode c = ag.path(k);
                if (c.path("server_mean_ms").isNull()) continue;
                row(out, k.toUpperCase() + " bench / router (ms):", String.format("%.2f / %.2f (%+.1f%%)",
                        c.get("bench_mean_ms").asDouble(), c.get("server_mean_ms").asDouble(), c.get("rel_diff").asDouble() * 100));
            }
        }
        out.println("==================================================");
    }

    private static void ms(PrintStream out, String label, JsonNode v) {
        row(out, label, v == null || v.isNull() ? "n/a" : f(v.asDouble()));
    }

    private static void row(PrintStream out, String label, String value) {
        out.printf("%-40s%10s%n", label, value);
    }

    private static String f(double v) { return String.format("%.2f", v); }

    private static String center(String title) {
        int pad = Math.max(0, 50 - title.length() - 2);
        return "-".repeat(pad / 2) + title + "-".repeat(pad - pad / 2);
    }
}
