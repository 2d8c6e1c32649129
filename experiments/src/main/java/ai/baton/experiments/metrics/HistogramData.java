package ai.baton.experiments.metrics;

import java.util.Map;
import java.util.TreeMap;

/**
 * A classic Prometheus histogram (cumulative bucket counts by upper bound, sum and count), possibly the difference
 * of two scrapes. Quantiles interpolate linearly inside a bucket, as PromQL's histogram_quantile does, so they are
 * only as fine as the buckets; the mean (sum / count) is exact.
 */
public record HistogramData(double[] upperBounds, double[] cumulative, double sum, double count) {

    static HistogramData of(TreeMap<Double, Double> buckets, double sum, double count) {
        double[] ub = new double[buckets.size()], cum = new double[buckets.size()];
        int i = 0;
        for (Map.Entry<Double, Double> e : buckets.entrySet()) {
            ub[i] = e.getKey();
            cum[i++] = e.getValue();
        }
        return new HistogramData(ub, cum, sum, count);
    }

    /** this − before, bucket by bucket (a counter reset shows as negative counts: callers see count <= 0). */
    public HistogramData minus(HistogramData before) {
        if (before == null) return this;
        double[] cum = cumulative.clone();
        for (int i = 0; i < upperBounds.length; i++) {
            int j = java.util.Arrays.binarySearch(before.upperBounds, upperBounds[i]);
            if (j >= 0) cum[i] -= before.cumulative[j];
        }
        return new HistogramData(upperBounds, cum, sum - before.sum, count - before.count);
    }

    public double mean() { return count > 0 ? sum / count : Double.NaN; }

    /** The q-quantile (0..1) by linear interpolation inside its bucket; NaN without observations. */
    public double quantile(double q) {
        if (count <= 0 || upperBounds.length == 0) return Double.NaN;
        double rank = q * count;
        double prevBound = 0, prevCount = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            if (cumulative[i] >= rank) {
                double ub = upperBounds[i];
                if (Double.isInfinite(ub)) return prevBound;  // above the last finite bound: its value is the best guess
                double inBucket = cumulative[i] - prevCount;
                double frac = inBucket <= 0 ? 1 : (rank - prevCount) / inBucket;
                return prevBound + (ub - prevBound) * frac;
            }
            prevBound = upperBounds[i];
            prevCount = cumulative[i];
        }
        return prevBound;
    }
}
