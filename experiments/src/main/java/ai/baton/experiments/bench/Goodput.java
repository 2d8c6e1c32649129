package ai.baton.experiments.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Service-level objectives for goodput, given as {@code ttft:MS tpot:MS e2el:MS} (vLLM's --goodput). A request is
 * good when it succeeded and meets every objective given; goodput is good requests per second of the run.
 */
public record Goodput(Map<String, Double> slosMs) {
    private static final List<String> KEYS = List.of("ttft", "tpot", "e2el");

    public static Goodput parse(List<String> specs) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (specs != null) {
            for (String spec : specs) {
                for (String s : spec.trim().split("[\\s,]+")) {
                    if (s.isEmpty()) continue;
                    int c = s.indexOf(':');
                    if (c < 0) throw new IllegalArgumentException("--goodput: expected KEY:MS, got '" + s + "'");
                    String key = s.substring(0, c).toLowerCase(Locale.ROOT);
                    if (!KEYS.contains(key))
                        throw new IllegalArgumentException("--goodput: unknown metric '" + key + "' (use ttft, tpot or e2el)");
                    double ms;
                    try {
                        ms = Double.parseDouble(s.substring(c + 1));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--goodput: '" + s.substring(c + 1) + "' is not a number of milliseconds");
                    }
                    if (!(ms >= 0)) throw new IllegalArgumentException("--goodput: " + key + " must be >= 0 ms");
                    m.put(key, ms);
                }
            }
        }
        return new Goodput(Map.copyOf(m));
    }

    public boolean isEmpty() { return slosMs.isEmpty(); }

    /** Whether r meets every objective. A one-token request has no TPOT: that objective holds for it. */
    public boolean good(RequestOutput r) {
        if (!r.success()) return false;
        Double ttft = slosMs.get("ttft"), tpot = slosMs.get("tpot"), e2el = slosMs.get("e2el");
        if (ttft != null && r.ttft() * 1000 > ttft) return false;
        double t = r.tpot();
        if (tpot != null && !Double.isNaN(t) && t * 1000 > tpot) return false;
        return e2el == null || r.latency() * 1000 <= e2el;
    }

    /** The objectives in insertion-independent order, for the result file. */
    public Map<String, Double> ordered() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String k : KEYS) if (slosMs.containsKey(k)) m.put(k, slosMs.get(k));
        return m;
    }
}
