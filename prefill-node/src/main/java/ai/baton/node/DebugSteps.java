package ai.baton.node;

import ai.baton.engine.StepRecord;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /debug/steps}: the engine's recent steps as JSON lines
 * {@code {"ts_us":..,"dur_us":..,"prefill_tokens":..,"decode_tokens":..,"num_seqs":..}}, oldest first (the bench
 * turns them into a Chrome trace). Any other path of the metrics port answers 404.
 */
final class DebugSteps implements HttpHandler {
    static final String PATH = "/debug/steps";

    private final Supplier<List<StepRecord>> steps;

    DebugSteps(Supplier<List<StepRecord>> steps) { this.steps = steps; }

    static String jsonLines(List<StepRecord> steps) {
        StringBuilder b = new StringBuilder(steps.size() * 96);
        for (StepRecord s : steps) {
            b.append("{\"ts_us\":").append(s.startMicros()).append(",\"dur_us\":").append(s.durMicros())
                    .append(",\"prefill_tokens\":").append(s.prefillTokens()).append(",\"decode_tokens\":").append(s.decodeTokens())
                    .append(",\"num_seqs\":").append(s.numSeqs()).append("}\n");
        }
        return b.toString();
    }

    @Override
    public void handle(HttpExchange x) throws IOException {
        try (x) {
            int status;
            String body;
            if (!x.getRequestURI().getPath().equals(PATH)) {
                status = 404;
                body = "not found: " + x.getRequestURI().getPath() + " (this port serves /metrics and " + PATH + ")\n";
            } else if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
                status = 405;
                body = PATH + " takes GET\n";
                x.getResponseHeaders().set("Allow", "GET, HEAD");
            } else {
                status = 200;
                body = jsonLines(steps.get());
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", status == 200 ? "application/jsonl; charset=utf-8" : "text/plain; charset=utf-8");
            boolean head = x.getRequestMethod().equals("HEAD");
            x.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }
}
