package ai.baton.experiments.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Iterator;
import java.util.Map;

/**
 * A node's engine steps as a trace: one bar per step on the node's track, with its batch composition as args and a
 * counter track of running sequences. Input is the step log a node serves (requested of the node engineers): JSON
 * lines {@code {"ts_us": start (epoch µs), "dur_us": ..., "prefill_tokens": ..., "decode_tokens": ..., "num_seqs": ...}}
 * (extra fields are copied into args). Steps outside [fromUs, toUs] are dropped, so one run can be cut out.
 */
public final class StepTrace {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StepTrace() {}

    /** @return the number of steps added */
    public static int add(ChromeTrace trace, int pid, String nodeName, String jsonLines, double fromUs, double toUs, double originUs) {
        trace.processName(pid, nodeName);
        trace.threadName(pid, 1, "engine steps");
        int n = 0;
        for (String line : jsonLines.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode s;
            try {
                s = JSON.readTree(line);
            } catch (Exception e) {
                throw new IllegalArgumentException(nodeName + ": bad step line: " + line);
            }
            double ts = s.path("ts_us").asDouble(Double.NaN), dur = s.path("dur_us").asDouble(0);
            if (Double.isNaN(ts) || ts + dur < fromUs || ts > toUs) continue;
            int prefill = s.path("prefill_tokens").asInt(0), decode = s.path("decode_tokens").asInt(0);
            String name = prefill > 0 && decode > 0 ? "mixed" : prefill > 0 ? "prefill" : decode > 0 ? "decode" : "step";
            var args = trace.complete(name, "step", pid, 1, ts - originUs, dur);
            for (Iterator<Map.Entry<String, JsonNode>> it = s.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getKey().equals("ts_us") && !e.getKey().equals("dur_us")) args.set(e.getKey(), e.getValue());
            }
            if (s.has("num_seqs")) trace.counter("running sequences", pid, ts - originUs).put("seqs", s.get("num_seqs").asInt());
            n++;
        }
        return n;
    }
}
