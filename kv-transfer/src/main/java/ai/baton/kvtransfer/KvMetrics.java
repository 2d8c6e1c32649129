package ai.baton.kvtransfer;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one agent, per transport where that makes sense. Names follow Prometheus conventions so a node
 * can export {@link #snapshot()} as is.
 */
public final class KvMetrics {
    public enum Counter {
        BYTES_SENT, BYTES_RECEIVED, LAYERS_SENT, LAYERS_LANDED, TRANSFERS_STARTED, TRANSFERS_DONE, TRANSFERS_FAILED,
        INBOUND_STARTED, INBOUND_DONE, INBOUND_FAILED
    }

    public enum Event { LEASES_EXPIRED, LEASES_RELEASED, LEASES_COMMITTED, PEER_LINKS_LOST }

    private final Map<TransportKind, Map<Counter, LongAdder>> perTransport = new EnumMap<>(TransportKind.class);
    private final Map<Event, LongAdder> events = new EnumMap<>(Event.class);

    public KvMetrics() {
        for (TransportKind k : TransportKind.values()) {
            Map<Counter, LongAdder> m = new EnumMap<>(Counter.class);
            for (Counter c : Counter.values()) m.put(c, new LongAdder());
            perTransport.put(k, m);
        }
        for (Event e : Event.values()) events.put(e, new LongAdder());
    }

    public void add(TransportKind t, Counter c, long n) {
        perTransport.get(t).get(c).add(n);
    }

    public void inc(TransportKind t, Counter c) {
        add(t, c, 1);
    }

    public void inc(Event e) {
        events.get(e).increment();
    }

    public long get(TransportKind t, Counter c) {
        return perTransport.get(t).get(c).sum();
    }

    public long get(Event e) {
        return events.get(e).sum();
    }

    /** {@code kv_bytes_sent_total{transport="ucx"} -> n}, ... */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (var t : perTransport.entrySet()) {
            for (var c : t.getValue().entrySet()) {
                out.put("kv_" + c.getKey().name().toLowerCase(Locale.ROOT) + "_total{transport=\"" + t.getKey().label() + "\"}",
                        c.getValue().sum());
            }
        }
        for (var e : events.entrySet()) out.put("kv_" + e.getKey().name().toLowerCase(Locale.ROOT) + "_total", e.getValue().sum());
        return out;
    }
}
