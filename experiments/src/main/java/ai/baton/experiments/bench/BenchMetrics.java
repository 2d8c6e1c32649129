package ai.baton.experiments.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The serving metrics of one run, computed as vllm bench serve computes them: throughputs over the wall time of
 * the run, TTFT/TPOT/E2EL per successful request, ITL over every gap of every request, TPOT only for requests
 * with more than one output token.
 */
public final class BenchMetrics {
    public static final List<String> METRICS = List.of("ttft", "tpot", "itl", "e2el");

    public final int completed, failed;
    public final long totalInput, totalOutput;
    public final double duration;
    public final int good;
    public final LatencySummary ttft = new LatencySummary(), tpot = new LatencySummary(),
            itl = new LatencySummary(), e2el = new LatencySummary();
    public final double maxOutputTokensPerS;
    public final int maxConcurrentRequests;

    public BenchMetrics(List<RequestOutput> outputs, double durationS, Goodput goodput) {
        int ok = 0, bad = 0, g = 0;
        long in = 0, out = 0;
        for (RequestOutput r : outputs) {
            if (!r.success()) { bad++; continue; }
            ok++;
            in += r.inputTokens();
            out += r.outputTokens();
            ttft.add(r.ttft());
            tpot.add(r.tpot());
            for (double x : r.itl()) itl.add(x);
            e2el.add(r.latency());
            if (goodput != null && !goodput.isEmpty() && goodput.good(r)) g++;
        }
        completed = ok;
        failed = bad;
        totalInput = in;
        totalOutput = out;
        duration = durationS;
        good = g;
        maxOutputTokensPerS = peakTokensPerSecond(outputs);
        maxConcurrentRequests = peakConcurrency(outputs);
    }

    public LatencySummary of(String metric) {
        return switch (metric) {
            case "ttft" -> ttft;
            case "tpot" -> tpot;
            case "itl" -> itl;
            case "e2el" -> e2el;
            default -> throw new IllegalArgumentException("unknown metric " + metric);
        };
    }

    public double requestThroughput() { return completed / duration; }

    public double outputThroughput() { return totalOutput / duration; }

    public double totalTokenThroughput() { return (totalInput + totalOutput) / duration; }

    public double requestGoodput() { return good / duration; }

    /** The highest output tokens in any whole second of the run (a chunk's tokens are spread over its chunks). */
    static double peakTokensPerSecond(List<RequestOutput> outputs) {
        long t0 = Long.MAX_VALUE;
        for (RequestOutput r : outputs) t0 = Math.min(t0, r.startNanos());
        java.util.Map<Long, Double> perSecond = new java.util.HashMap<>();
        for (RequestOutput r : outputs) {
            if (!r.success() || r.chunkTimes().length == 0) continue;
            double perChunk = (double) r.outputTokens() / r.chunkTimes().length;
            for (double t : r.chunkTimes()) {
                long sec = (long) Math.floor((r.startNanos() - t0) / 1e9 + t);
                perSecond.merge(sec, perChunk, Double::sum);
            }
        }
        return perSecond.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /** The most requests in flight at once, from their start and end times. */
    static int peakConcurrency(List<RequestOutput> outputs) {
        long[][] ev = new long[outputs.size() * 2][];
        int i = 0;
        for (RequestOutput r : outputs) {
            ev[i++] = new long[]{r.startNanos(), 1};
            ev[i++] = new long[]{r.startNanos() + (long) (r.latency() * 1e9), -1};
        }
        java.util.Arrays.sort(ev, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int cur = 0, max = 0;
        for (long[] e : ev) {
            cur += (int) e[1];
            max = Math.max(max, cur);
        }
        return max;
    }

    /** vLLM's field names: {mean,median,std}_X_ms and pNN_X_ms for every selected metric and percentile. */
    public void writeLatencies(ObjectNode o, List<String> metrics, List<Double> percentiles) {
        for (String m : metrics) {
            LatencySummary s = of(m);
            o.put("mean_" + m + "_ms", s.mean());
            o.put("median_" + m + "_ms", s.median());
            o.put("std_" + m + "_ms", s.std());
            for (double p : percentiles) o.put("p" + percentileLabel(p) + "_" + m + "_ms", s.percentile(p));
        }
    }

    /** 99 -> "99", 99.9 -> "99.9", as vLLM formats them. */
    public static String percentileLabel(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    public ObjectNode totals() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("duration", duration);
        o.put("completed", completed);
        o.put("failed", failed);
        o.put("total_input_tokens", totalInput);
        o.put("total_output_tokens", totalOutput);
        o.put("request_throughput", requestThroughput());
        o.put("output_throughput", outputThroughput());
        o.put("total_token_throughput", totalTokenThroughput());
        o.put("max_output_tokens_per_s", maxOutputTokensPerS);
        o.put("max_concurrent_requests", maxConcurrentRequests);
        return o;
    }
}
