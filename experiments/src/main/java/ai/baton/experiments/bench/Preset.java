package ai.baton.experiments.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The seed workloads, as random-dataset shapes. Output lengths are forced with ignore_eos so every run of a preset
 * asks the same work of the server. A command-line option given explicitly overrides the preset's value.
 */
public enum Preset {
    DECODE_SEQUENTIAL("decode-sequential", "decode-heavy, one request at a time: 32 in, 128-512 out, concurrency 1",
            32, 0.0, 320, 0.6, 1, 8),
    DECODE_PARALLEL_4("decode-parallel-4", "decode-heavy, parallel: 32 in, 128-512 out, concurrency 4",
            32, 0.0, 320, 0.6, 4, 16),
    DECODE_PARALLEL_8("decode-parallel-8", "decode-heavy, parallel: 32 in, 128-512 out, concurrency 8",
            32, 0.0, 320, 0.6, 8, 32),
    HIGH_CONCURRENCY("high-concurrency", "many short requests at once: 256 in, 128 out, concurrency 128",
            256, 0.0, 128, 0.0, 128, 512),
    LONG_PROMPT("long-prompt", "long-prompt mixed, the published P:D workload: 5000 in, 250 out, concurrency 8",
            5000, 0.0, 250, 0.0, 8, 64);

    public final String id;
    public final String description;
    public final int inputLen, outputLen, maxConcurrency, numPrompts;
    public final double inputRangeRatio, outputRangeRatio;

    Preset(String id, String description, int inputLen, double inputRangeRatio, int outputLen, double outputRangeRatio,
           int maxConcurrency, int numPrompts) {
        this.id = id;
        this.description = description;
        this.inputLen = inputLen;
        this.inputRangeRatio = inputRangeRatio;
        this.outputLen = outputLen;
        this.outputRangeRatio = outputRangeRatio;
        this.maxConcurrency = maxConcurrency;
        this.numPrompts = numPrompts;
    }

    public static Preset of(String id) {
        String key = id.toLowerCase(Locale.ROOT).replace('_', '-');
        for (Preset p : values()) if (p.id.equals(key)) return p;
        throw new IllegalArgumentException("unknown preset '" + id + "'; presets: " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(p -> p.id).collect(Collectors.joining(", "));
    }
}
