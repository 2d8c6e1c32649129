package ai.baton.experiments.plot;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * One benchmark result as the plots see it: which configuration (series) and workload family it belongs to,
 * its load, throughputs and latency statistics.
 */
public record RunPoint(String series, String family, String workload, int gpus, String rate, String concurrency,
                       double outputThroughput, double requestThroughput, JsonNode result, Path file) {

    /** {@code stat} ∈ mean, median, p99; {@code metric} ∈ ttft, tpot, itl, e2el; NaN when absent. */
    public double latency(String stat, String metric) {
        JsonNode n = result.get(stat + "_" + metric + "_ms");
        return n == null || !n.isNumber() ? Double.NaN : n.asDouble();
    }

    /** Output tokens/s per GPU (per accelerator the configuration occupies; 1 when unknown). */
    public double outputPerGpu() { return outputThroughput / Math.max(1, gpus); }

    public double y(String yAxis) {
        return switch (yAxis) {
            case "output" -> outputThroughput;
            case "output-per-gpu" -> outputPerGpu();
            case "request" -> requestThroughput;
            default -> throw new IllegalArgumentException("--y must be output, output-per-gpu or request, got " + yAxis);
        };
    }

    /** Offered load for ordering a series: request rate (inf last), then concurrency. */
    public double loadOrder() {
        double r = rate.equals("inf") ? 1e12 : parse(rate);
        double c = concurrency.isEmpty() ? 1e6 : parse(concurrency);
        return r * 1e6 + c;
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public String load() {
        if (!concurrency.isEmpty() && rate.equals("inf")) return "c=" + concurrency;
        return rate + " req/s" + (concurrency.isEmpty() ? "" : ", c=" + concurrency);
    }

    public double breakdown(String field) {
        JsonNode n = result.path("time_breakdown").get(field);
        return n == null || !n.isNumber() ? Double.NaN : n.asDouble();
    }
}
