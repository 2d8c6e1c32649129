package ai.baton.experiments.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * What the servers say about a run: the difference of scrapes taken just before and just after it. Every histogram
 * family becomes count, mean, median and p99 (bucket-interpolated); every counter its increase; a node's busy
 * fraction is the increase of its busy-seconds counter over the wall time between scrapes. From these come the
 * "where the time goes" breakdown and the check of the bench's own TTFT/ITL against the router's histograms.
 */
public final class ServerMetrics {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ServerMetrics() {}

    /** Every target's deltas, under its name. */
    public static ObjectNode deltas(Map<String, PromSnapshot> before, Map<String, PromSnapshot> after) {
        ObjectNode o = F.objectNode();
        for (var e : after.entrySet()) {
            PromSnapshot b = before.get(e.getKey());
            if (b != null) o.set(e.getKey(), delta(b, e.getValue()));
        }
        return o;
    }

    static ObjectNode delta(PromSnapshot before, PromSnapshot after) {
        ObjectNode o = F.objectNode();
        double wall = (after.nanos() - before.nanos()) / 1e9;
        o.put("wall_s", wall);
        ObjectNode hs = o.putObject("histograms");
        for (String h : after.histogramNames()) {
            HistogramData d = after.histogram(h).minus(before.histogram(h));
            if (d.count() <= 0) continue;
            ObjectNode x = hs.putObject(h);
            x.put("count", (long) d.count());
            x.put("mean_ms", d.mean() * 1000);
            x.put("median_ms", d.quantile(0.5) * 1000);
            x.put("p99_ms", d.quantile(0.99) * 1000);
        }
        ObjectNode cs = o.putObject("counters");
        for (PromSample s : after.samples()) {
            if (!s.name().endsWith("_total")) continue;
            double b = before.sum(s.name(), l -> l.equals(s.labels()));
            double inc = s.value() - (Double.isNaN(b) ? 0 : b);
            if (inc != 0) cs.put(key(s), inc);
        }
        double busy = after.sum(MetricNames.ENGINE_BUSY) - before.sum(MetricNames.ENGINE_BUSY);
        if (!Double.isNaN(busy) && wall > 0) {
            double f = Math.min(1, Math.max(0, busy / wall));
            o.put("busy_fraction", f);
            o.put("idle_fraction", 1 - f);
        }
        return o;
    }

    private static String key(PromSample s) {
        if (s.labels().isEmpty()) return s.name();
        StringBuilder b = new StringBuilder(s.name()).append('{');
        boolean first = true;
        for (var e : s.labels().entrySet()) {
            if (e.getKey().equals("model_name")) continue;
            if (!first) b.append(',');
            b.append(e.getKey()).append('=').append(e.getValue());
            first = false;
        }
        return first ? s.name() : b.append('}').toString();
    }

    /**
     * Per request: prefill compute, KV transfer wait, decode queue (and router queue) means; per node: busy and idle
     * fractions. A figure whose metric no server serves is null and its name is listed under "missing".
     */
    public static ObjectNode timeBreakdown(ObjectNode deltas, String routerName) {
        ObjectNode o = F.objectNode();
        ArrayNode missing = F.arrayNode();
        ObjectNode router = (ObjectNode) deltas.get(routerName);
        putMean(o, "mean_prefill_compute_ms", deltas, routerName, new String[]{MetricNames.PREFILL, MetricNames.NODE_PREFILL}, missing);
        putMean(o, "mean_kv_transfer_ms", deltas, routerName, new String[]{MetricNames.KV_TRANSFER}, missing);
        putMean(o, "mean_decode_queue_ms", deltas, routerName, new String[]{MetricNames.DECODE_QUEUE}, missing);
        putMean(o, "mean_router_queue_ms", deltas, routerName, new String[]{MetricNames.ROUTER_QUEUE}, missing);
        putMean(o, "mean_node_queue_ms", deltas, routerName, new String[]{MetricNames.NODE_QUEUE}, missing);
        ObjectNode nodes = o.putObject("nodes");
        boolean anyBusy = false;
        for (var e : deltas.properties()) {
            if (e.getKey().equals(routerName)) continue;
            ObjectNode n = nodes.putObject(e.getKey());
            if (e.getValue().has("busy_fraction")) {
                anyBusy = true;
                n.put("busy_fraction", e.getValue().get("busy_fraction").asDouble());
                n.put("idle_fraction", e.getValue().get("idle_fraction").asDouble());
            } else {
                n.putNull("busy_fraction");
                n.putNull("idle_fraction");
            }
        }
        if (!anyBusy) missing.add(MetricNames.ENGINE_BUSY);
        if (router == null) missing.add(routerName + " /metrics");
        o.set("missing", missing);
        return o;
    }

    /** The mean of the first of {@code names} found: at the router first, else averaged over the nodes by count. */
    private static void putMean(ObjectNode o, String field, ObjectNode deltas, String routerName, String[] names, ArrayNode missing) {
        for (String name : names) {
            double sum = 0, count = 0;
            ObjectNode r = (ObjectNode) deltas.get(routerName);
            var h = r == null ? null : r.path("histograms").get(name);
            if (h != null) {
                o.put(field, h.get("mean_ms").asDouble());
                return;
            }
            for (var e : deltas.properties()) {
                var x = e.getValue().path("histograms").get(name);
                if (x == null) continue;
                sum += x.get("mean_ms").asDouble() * x.get("count").asDouble();
                count += x.get("count").asDouble();
            }
            if (count > 0) {
                o.put(field, sum / count);
                return;
            }
        }
        o.putNull(field);
        missing.add(names[0]);
    }

    /**
     * The bench's means beside the router's for TTFT, ITL and E2E latency, with their relative difference
     * ((bench − router) / router). The router times from the request's arrival to its bytes being written, the
     * bench from its send to their arrival, so the bench should be slightly higher.
     */
    public static ObjectNode agreement(ObjectNode deltas, String routerName, double benchTtftMs, double benchItlMs, double benchE2elMs) {
        ObjectNode o = F.objectNode();
        var hs = deltas.path(routerName).path("histograms");
        compare(o, "ttft", benchTtftMs, hs.get(MetricNames.TTFT));
        compare(o, "itl", benchItlMs, hs.get(MetricNames.ITL));
        compare(o, "e2el", benchE2elMs, hs.get(MetricNames.E2E));
        return o;
    }

    private static void compare(ObjectNode o, String key, double bench, com.fasterxml.jackson.databind.JsonNode server) {
        ObjectNode c = o.putObject(key);
        c.put("bench_mean_ms", bench);
        if (server == null) {
            c.putNull("server_mean_ms");
            c.putNull("rel_diff");
            return;
        }
        double s = server.get("mean_ms").asDouble();
        c.put("server_mean_ms", s);
        c.put("server_count", server.get("count").asLong());
        c.put("rel_diff", s == 0 ? 0 : (bench - s) / s);
    }
}
