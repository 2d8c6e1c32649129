package ai.baton.experiments.bench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Percentiles, goodput objectives and arrival processes. */
class StatsTest {
    @Test
    void percentilesMeanAndStd() {
        LatencySummary s = new LatencySummary();
        for (int i = 1; i <= 1000; i++) s.add(i / 1000.0);  // 1..1000 ms
        assertEquals(500.5, s.mean(), 1e-9);
        assertEquals(Math.sqrt((1000.0 * 1000 - 1) / 12), s.std(), 1e-6, "population std of 1..n");
        assertEquals(500, s.median(), 1.0);
        assertEquals(990, s.percentile(99), 1.0);
        assertEquals(1000, s.percentile(100), 1.0);
        s.add(Double.NaN);
        assertEquals(1000, s.count(), "NaN (no TPOT) is skipped");
        LatencySummary empty = new LatencySummary();
        assertEquals(0, empty.mean());
        assertEquals(0, empty.percentile(99));
    }

    @Test
    void wideRangesKeepThreeDigits() {
        LatencySummary s = new LatencySummary();
        s.add(0);
        s.add(0.0001);
        s.add(120);
        assertEquals(120_000, s.percentile(100), 120);
        assertEquals(0, s.percentile(1));
    }

    @Test
    void goodputParsingAndJudging() {
        Goodput g = Goodput.parse(List.of("ttft:100", "tpot:20 e2el:1000"));
        assertEquals(List.of("ttft", "tpot", "e2el"), List.copyOf(g.ordered().keySet()));
        RequestOutput ok = new RequestOutput(true, null, 0, 0.05, new double[0], 0.5, 3, 3, 31, new double[]{0.05}, "", "length");
        assertTrue(g.good(ok));  // tpot = 0.45 s / 30 = 15 ms
        RequestOutput slow = new RequestOutput(true, null, 0, 0.05, new double[0], 0.5, 3, 3, 20, new double[]{0.05}, "", "length");
        assertFalse(g.good(slow));  // 0.45 s / 19 = 23.7 ms
        RequestOutput one = new RequestOutput(true, null, 0, 0.05, new double[0], 0.05, 3, 3, 1, new double[]{0.05}, "", "length");
        assertTrue(g.good(one), "no TPOT for one token: that objective holds");
        assertFalse(g.good(RequestOutput.failure(0, 0.01, 3, "x")));
        assertThrows(IllegalArgumentException.class, () -> Goodput.parse(List.of("latency:5")));
        assertThrows(IllegalArgumentException.class, () -> Goodput.parse(List.of("ttft")));
        assertTrue(Goodput.parse(List.of()).isEmpty());
    }

    @Test
    void poissonArrivalsHaveTheRateAndUnitCv() {
        double[] t = ArrivalTimes.offsets(20_001, 10, 1.0, 7);
        double[] gaps = gaps(t);
        assertEquals(0.1, mean(gaps), 0.003);
        assertEquals(1.0, cv(gaps), 0.03, "exponential gaps: coefficient of variation 1");
        assertEquals(0, t[0]);
        assertArrayEquals(t, ArrivalTimes.offsets(20_001, 10, 1.0, 7), "seeded");
    }

    @Test
    void burstinessShapesTheGaps() {
        double[] bursty = gaps(ArrivalTimes.offsets(20_001, 10, 0.5, 1));
        assertEquals(0.1, mean(bursty), 0.004, "burstiness keeps the rate");
        assertEquals(Math.sqrt(2), cv(bursty), 0.06, "gamma shape k: CV = 1/sqrt(k)");
        double[] steady = gaps(ArrivalTimes.offsets(20_001, 10, 4, 1));
        assertEquals(0.5, cv(steady), 0.02);
        assertTrue(Arrays.stream(ArrivalTimes.offsets(10, Double.POSITIVE_INFINITY, 1, 1)).allMatch(x -> x == 0));
        assertThrows(IllegalArgumentException.class, () -> ArrivalTimes.offsets(3, 0, 1, 1));
    }

    @Test
    void gammaMeanMatchesShape() {
        Random r = new Random(3);
        for (double k : new double[]{0.3, 1, 2.5}) {
            double s = 0;
            for (int i = 0; i < 50_000; i++) s += ArrivalTimes.gamma(r, k);
            assertEquals(k, s / 50_000, k * 0.03);
        }
    }

    @Test
    void peakConcurrencyAndTokensPerSecond() {
        long s = 1_000_000_000L;
        RequestOutput a = new RequestOutput(true, null, 0, 0.1, new double[0], 2.0, 1, 1, 4, new double[]{0.1, 0.5, 1.2, 1.9}, "", null);
        RequestOutput b = new RequestOutput(true, null, s / 2, 0.1, new double[0], 1.0, 1, 1, 2, new double[]{0.1, 0.2}, "", null);
        RequestOutput c = new RequestOutput(true, null, 3 * s, 0.1, new double[0], 1.0, 1, 1, 1, new double[]{0.1}, "", null);
        assertEquals(2, BenchMetrics.peakConcurrency(List.of(a, b, c)));
        assertEquals(4, BenchMetrics.peakTokensPerSecond(List.of(a, b, c)), 1e-9, "second 0: a's 2 + b's 2");
    }

    private static double[] gaps(double[] t) {
        double[] g = new double[t.length - 1];
        for (int i = 1; i < t.length; i++) g[i - 1] = t[i] - t[i - 1];
        return g;
    }

    private static double mean(double[] x) { return Arrays.stream(x).average().orElse(0); }

    private static double cv(double[] x) {
        double m = mean(x), v = 0;
        for (double d : x) v += (d - m) * (d - m);
        return Math.sqrt(v / x.length) / m;
    }
}
