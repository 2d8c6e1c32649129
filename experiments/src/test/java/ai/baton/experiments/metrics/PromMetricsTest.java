package ai.baton.experiments.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prometheus text parsing, histogram deltas and quantiles, and the breakdown built from them. */
class PromMetricsTest {
    static String scrape(double ttftSum, long[] cum, double busy) {
        return """
                # HELP baton:time_to_first_token_seconds Time to first token.
                # TYPE baton:time_to_first_token_seconds histogram
                baton:time_to_first_token_seconds_bucket{model_name="m",le="0.1"} %d
                baton:time_to_first_token_seconds_bucket{model_name="m",le="0.5"} %d
                baton:time_to_first_token_seconds_bucket{model_name="m",le="+Inf"} %d
                baton:time_to_first_token_seconds_count{model_name="m"} %d
                baton:time_to_first_token_seconds_sum{model_name="m"} %s
                baton:routing_decisions_total{model_name="m",reason="prefix \\"hit\\""} 3.0
                baton:engine_busy_seconds_total{model_name="m"} %s
                baton:num_requests_running{node="d1",role="decode"} 2 1700000000000
                """.formatted(cum[0], cum[1], cum[2], cum[2], ttftSum, busy);
    }

    @Test
    void parsesLabelsEscapesAndSpecialValues() {
        List<PromSample> s = PromText.parse(scrape(1.5, new long[]{1, 2, 3}, 0));
        assertEquals(8, s.size());
        assertEquals("prefix \"hit\"", s.get(5).label("reason"));
        assertEquals(Double.POSITIVE_INFINITY, PromText.value(s.get(2).labels().get("le")));
        assertEquals(2.0, s.get(7).value(), "a trailing timestamp is not the value");
        assertTrue(Double.isNaN(PromText.parseLine("x NaN").value()));
    }

    @Test
    void histogramDeltaMeanAndQuantiles() {
        PromSnapshot a = PromSnapshot.parse(scrape(1.0, new long[]{2, 4, 4}, 10), 0);
        PromSnapshot b = PromSnapshot.parse(scrape(3.0, new long[]{4, 12, 14}, 15), 10_000_000_000L);
        HistogramData d = b.histogram("baton:time_to_first_token_seconds").minus(a.histogram("baton:time_to_first_token_seconds"));
        assertEquals(10, d.count());
        assertEquals(0.2, d.mean(), 1e-12);
        // deltas: 2 in (0, 0.1], 6 in (0.1, 0.5], 2 above: median at rank 5 is 3/6 of the way through the second bucket
        assertEquals(0.1 + 0.4 * 3 / 6, d.quantile(0.5), 1e-12);
        assertEquals(0.05, d.quantile(0.1), 1e-12);
        assertEquals(0.5, d.quantile(0.99), 1e-12, "in the +Inf bucket: the last finite bound");
        assertTrue(Double.isNaN(new HistogramData(new double[0], new double[0], 0, 0).quantile(0.5)));

        ObjectNode deltas = ServerMetrics.deltas(Map.of("router", a), Map.of("router", b));
        ObjectNode r = (ObjectNode) deltas.get("router");
        assertEquals(10, r.get("histograms").get("baton:time_to_first_token_seconds").get("count").asInt());
        assertEquals(200.0, r.get("histograms").get("baton:time_to_first_token_seconds").get("mean_ms").asDouble(), 1e-9);
        assertEquals(0.5, r.get("busy_fraction").asDouble(), 1e-9, "5 busy seconds in 10");
        assertFalse(r.get("counters").has("baton:routing_decisions_total{reason=prefix \"hit\"}"), "unchanged counters are left out");
    }

    @Test
    void breakdownAndAgreement() {
        PromSnapshot a = PromSnapshot.parse(scrape(1.0, new long[]{2, 4, 4}, 10), 0);
        PromSnapshot b = PromSnapshot.parse(scrape(3.0, new long[]{4, 12, 14}, 12), 4_000_000_000L);
        PromSnapshot n0 = PromSnapshot.parse("baton:request_prefill_time_seconds_bucket{le=\"1\"} 0\nbaton:request_prefill_time_seconds_bucket{le=\"+Inf\"} 0\n"
                + "baton:request_prefill_time_seconds_sum 0\nbaton:request_prefill_time_seconds_count 0\n", 0);
        PromSnapshot n1 = PromSnapshot.parse("baton:request_prefill_time_seconds_bucket{le=\"1\"} 4\nbaton:request_prefill_time_seconds_bucket{le=\"+Inf\"} 4\n"
                + "baton:request_prefill_time_seconds_sum 0.2\nbaton:request_prefill_time_seconds_count 4\n", 1);
        ObjectNode deltas = ServerMetrics.deltas(Map.of("router", a, "prefill-0", n0), Map.of("router", b, "prefill-0", n1));
        ObjectNode tb = ServerMetrics.timeBreakdown(deltas, "router");
        assertEquals(50.0, tb.get("mean_prefill_compute_ms").asDouble(), 1e-9, "from the node when the router has none");
        assertTrue(tb.get("mean_kv_transfer_ms").isNull());
        assertTrue(tb.get("missing").toString().contains(MetricNames.KV_TRANSFER));
        assertTrue(tb.get("nodes").get("prefill-0").get("busy_fraction").isNull());
        ObjectNode ag = ServerMetrics.agreement(deltas, "router", 210, 5, 300);
        assertEquals(0.05, ag.get("ttft").get("rel_diff").asDouble(), 1e-9);
        assertTrue(ag.get("itl").get("server_mean_ms").isNull());
        assertNull(PromSnapshot.parse("", 0).histogram("x"));
    }

    @Test
    void scrapeTargetNames() {
        assertEquals("decode-0", ScrapeTarget.parse("decode-0=http://h:9/metrics").name());
        assertEquals("decode", ScrapeTarget.parse("decode-0=http://h:9/metrics").role());
        assertEquals("h:9", ScrapeTarget.parse("http://h:9/metrics").name());
        assertEquals("http://h:9/metrics?a=b", ScrapeTarget.parse("http://h:9/metrics?a=b").url());
    }
}
