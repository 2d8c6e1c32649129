package ai.baton.experiments.bench;

import java.util.Random;

/**
 * When each request is sent, as offsets from the start. A finite rate draws gaps from a gamma distribution with
 * shape {@code burstiness} and mean {@code 1/rate}, as vLLM does: burstiness 1 is a Poisson process, below 1 is
 * burstier, above 1 is steadier. An infinite rate sends everything at once (then only --max-concurrency paces).
 */
public final class ArrivalTimes {
    private ArrivalTimes() {}

    /** Offsets in seconds, non-decreasing; the first request goes at 0. */
    public static double[] offsets(int n, double rate, double burstiness, long seed) {
        if (!(rate > 0)) throw new IllegalArgumentException("request rate must be > 0, got " + rate);
        if (!(burstiness > 0)) throw new IllegalArgumentException("burstiness must be > 0, got " + burstiness);
        double[] out = new double[n];
        if (Double.isInfinite(rate)) return out;
        Random rnd = new Random(seed);
        double scale = 1.0 / (rate * burstiness);
        double t = 0;
        for (int i = 1; i < n; i++) {
            t += gamma(rnd, burstiness) * scale;
            out[i] = t;
        }
        return out;
    }

    /** A Gamma(shape, 1) draw: Marsaglia and Tsang for shape >= 1, boosted from shape + 1 below that. */
    static double gamma(Random rnd, double shape) {
        if (shape < 1) {
            double u = rnd.nextDouble();
            return gamma(rnd, shape + 1) * Math.pow(u == 0 ? Double.MIN_VALUE : u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x, v;
            do {
                x = rnd.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rnd.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
        }
    }
}
