package ai.baton.experiments.sweep;

import ai.baton.experiments.bench.Preset;

/**
 * One benchmark point run against every configuration: a preset, or one rung of a request-rate ladder (optionally
 * at a fixed concurrency) over the sweep's dataset settings.
 */
public record Workload(String id, Preset preset, String rate, Integer concurrency) {
    public static Workload ofPreset(Preset p) {
        return new Workload("preset-" + p.id, p, "inf", null);
    }

    public static Workload ofRate(String rate, Integer concurrency) {
        String r = rate.trim();
        return new Workload("rate-" + r + (concurrency != null ? "-c" + concurrency : ""), null, r, concurrency);
    }

    public static Workload ofConcurrency(int concurrency) {
        return new Workload("conc-" + concurrency, null, "inf", concurrency);
    }

    /** The series a point belongs to in plots: points of one family share a dataset shape and differ in load. */
    public String family(String datasetShape) {
        return preset != null ? preset.id : datasetShape;
    }
}
