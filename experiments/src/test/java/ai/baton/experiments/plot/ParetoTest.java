package ai.baton.experiments.plot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The frontier keeps exactly the points nothing beats on both axes. */
class ParetoTest {
    record P(String n, double lat, double thr) {}

    @Test
    void frontierAndBestWithin() {
        List<P> ps = List.of(new P("a", 10, 100), new P("b", 12, 90), new P("c", 20, 300), new P("d", 15, 200),
                new P("e", 15, 150), new P("f", 30, 250), new P("g", Double.NaN, 999));
        List<P> f = Pareto.frontier(ps, P::lat, P::thr);
        assertEquals(List.of("a", "d", "c"), f.stream().map(P::n).toList());
        assertEquals("d", Pareto.bestWithin(ps, P::lat, P::thr, 16).n());
        assertEquals("c", Pareto.bestWithin(ps, P::lat, P::thr, 100).n());
        assertNull(Pareto.bestWithin(ps, P::lat, P::thr, 5));
        double[] t = HtmlReport.targets(1, 128);
        assertEquals(1, t[0], 1e-9);
        assertEquals(128, t[7], 1e-9);
    }
}
