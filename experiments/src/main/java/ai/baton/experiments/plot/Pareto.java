package ai.baton.experiments.plot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The Pareto frontier of (latency, throughput) points: those no other point beats on both, lower latency and
 * higher throughput. Read along the frontier, it says which configuration gives the most throughput for each
 * latency target.
 */
public final class Pareto {
    private Pareto() {}

    /** The frontier, by increasing latency (and so increasing throughput). Points with NaN coordinates are ignored. */
    public static <T> List<T> frontier(List<T> points, ToDoubleFunction<T> latency, ToDoubleFunction<T> throughput) {
        List<T> sorted = new ArrayList<>();
        for (T p : points)
            if (!Double.isNaN(latency.applyAsDouble(p)) && !Double.isNaN(throughput.applyAsDouble(p))) sorted.add(p);
        sorted.sort(Comparator.<T>comparingDouble(latency).thenComparing(Comparator.<T>comparingDouble(throughput).reversed()));
        List<T> out = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (T p : sorted) {
            double y = throughput.applyAsDouble(p);
            if (y > best) {
                out.add(p);
                best = y;
            }
        }
        return out;
    }

    /** The highest-throughput point whose latency is within the target, or null if none meets it. */
    public static <T> T bestWithin(List<T> points, ToDoubleFunction<T> latency, ToDoubleFunction<T> throughput, double target) {
        T best = null;
        for (T p : points) {
            double l = latency.applyAsDouble(p), y = throughput.applyAsDouble(p);
            if (Double.isNaN(l) || Double.isNaN(y) || l > target) continue;
            if (best == null || y > throughput.applyAsDouble(best)) best = p;
        }
        return best;
    }
}
