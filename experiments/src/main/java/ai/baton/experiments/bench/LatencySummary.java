package ai.baton.experiments.bench;

import org.HdrHistogram.DoubleHistogram;

/**
 * Mean, median, standard deviation and percentiles of one latency metric, in milliseconds. Mean and standard
 * deviation (population, as numpy computes it) are exact; percentiles come from an HdrHistogram kept at three
 * significant digits (0.1% relative error), so memory does not grow with the number of samples.
 */
public final class LatencySummary {
    private final DoubleHistogram hist = new DoubleHistogram(3);
    private long n;
    private double sum, sumSq;

    /** Adds a sample in seconds; NaN is ignored (e.g. the TPOT of a one-token request). */
    public void add(double seconds) {
        if (Double.isNaN(seconds)) return;
        double ms = Math.max(0, seconds * 1000);
        n++;
        sum += ms;
        sumSq += ms * ms;
        // DoubleHistogram cannot hold 0 next to wide ranges cheaply; a nanosecond floor changes nothing we report.
        hist.recordValue(Math.max(ms, 1e-6));
    }

    public long count() { return n; }

    public double mean() { return n == 0 ? 0 : sum / n; }

    public double std() {
        if (n == 0) return 0;
        double m = mean();
        return Math.sqrt(Math.max(0, sumSq / n - m * m));
    }

    public double median() { return percentile(50); }

    /** The value at percentile p (0-100), or 0 with no samples. */
    public double percentile(double p) {
        if (n == 0) return 0;
        double v = hist.getValueAtPercentile(p);
        return v <= 1e-6 ? 0 : v;
    }

    public double max() { return n == 0 ? 0 : hist.getMaxValue(); }
}
