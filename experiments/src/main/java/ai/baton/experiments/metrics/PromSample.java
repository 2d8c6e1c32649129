package ai.baton.experiments.metrics;

import java.util.Map;

/** One line of a Prometheus text exposition: a series name, its labels and its value. */
public record PromSample(String name, Map<String, String> labels, double value) {
    public String label(String key) { return labels.getOrDefault(key, ""); }
}
