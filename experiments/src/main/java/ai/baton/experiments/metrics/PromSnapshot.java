package ai.baton.experiments.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/** One scrape of a /metrics endpoint and the time it was taken; series can be summed over their label sets. */
public record PromSnapshot(long nanos, List<PromSample> samples) {

    public static PromSnapshot parse(String text, long nanos) {
        return new PromSnapshot(nanos, PromText.parse(text));
    }

    /** The sum of every series named {@code name} whose labels pass the filter; NaN if there is none. */
    public double sum(String name, Predicate<Map<String, String>> filter) {
        double s = 0;
        boolean any = false;
        for (PromSample p : samples) {
            if (p.name().equals(name) && filter.test(p.labels())) {
                s += p.value();
                any = true;
            }
        }
        return any ? s : Double.NaN;
    }

    public double sum(String name) { return sum(name, l -> true); }

    /** Values of a series by the value of one label (summed over the others). */
    public Map<String, Double> byLabel(String name, String label) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (PromSample p : samples)
            if (p.name().equals(name)) m.merge(p.label(label), p.value(), Double::sum);
        return m;
    }

    /** The histogram family {@code base} (its _bucket, _sum and _count series) summed over label sets; null if absent. */
    public HistogramData histogram(String base, Predicate<Map<String, String>> filter) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        double sum = 0, count = 0;
        boolean any = false;
        for (PromSample p : samples) {
            if (!filter.test(p.labels())) continue;
            if (p.name().equals(base + "_bucket")) {
                String le = p.labels().get("le");
                if (le == null) continue;
                buckets.merge(PromText.value(le), p.value(), Double::sum);
                any = true;
            } else if (p.name().equals(base + "_sum")) {
                sum += p.value();
            } else if (p.name().equals(base + "_count")) {
                count += p.value();
            }
        }
        return any ? HistogramData.of(buckets, sum, count) : null;
    }

    public HistogramData histogram(String base) { return histogram(base, l -> true); }

    /** Names of the histogram families present (from their _bucket series). */
    public TreeSet<String> histogramNames() {
        TreeSet<String> s = new TreeSet<>();
        for (PromSample p : samples)
            if (p.name().endsWith("_bucket") && p.labels().containsKey("le"))
                s.add(p.name().substring(0, p.name().length() - "_bucket".length()));
        return s;
    }

    /** Names of counters (series ending in _total). */
    public TreeSet<String> counterNames() {
        TreeSet<String> s = new TreeSet<>();
        for (PromSample p : samples) if (p.name().endsWith("_total")) s.add(p.name());
        return s;
    }
}
