package ai.baton.experiments.trace;

import ai.baton.experiments.bench.RequestOutput;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The client's view of a run as a trace: each request a bar split into "waiting for first token" and "decoding",
 * with an instant per streamed chunk, packed into as few lanes as overlap allows.
 */
public final class RequestTrace {
    public static final int PID = 1;

    private RequestTrace() {}

    public static void add(ChromeTrace trace, List<RequestOutput> outputs, long t0Nanos, boolean chunkInstants) {
        trace.processName(PID, "bench client (requests)");
        List<RequestOutput> sorted = new ArrayList<>(outputs);
        sorted.sort(Comparator.comparingLong(RequestOutput::startNanos));
        List<Double> laneEnds = new ArrayList<>();
        int i = 0;
        for (RequestOutput r : sorted) {
            double start = (r.startNanos() - t0Nanos) / 1e3;
            double end = start + r.latency() * 1e6;
            int lane = 0;
            while (lane < laneEnds.size() && laneEnds.get(lane) > start) lane++;
            if (lane == laneEnds.size()) {
                laneEnds.add(end);
                trace.threadName(PID, lane + 1, "lane " + (lane + 1));
            } else {
                laneEnds.set(lane, end);
            }
            int tid = lane + 1;
            String id = "req " + (i++);
            if (!r.success()) {
                trace.complete(id + " failed", "request", PID, tid, start, r.latency() * 1e6).put("error", r.error());
                continue;
            }
            var a = trace.complete(id + " ttft", "ttft", PID, tid, start, r.ttft() * 1e6);
            a.put("prompt_tokens", r.inputTokens());
            var d = trace.complete(id + " decode", "decode", PID, tid, start + r.ttft() * 1e6, (r.latency() - r.ttft()) * 1e6);
            d.put("output_tokens", r.outputTokens());
            d.put("chunks", r.chunkTimes().length);
            if (chunkInstants)
                for (double t : r.chunkTimes()) trace.instant("chunk", "token", PID, tid, start + t * 1e6);
        }
    }
}
