package ai.baton.experiments.trace;

import ai.baton.experiments.bench.RequestOutput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chrome-trace export of requests and node steps. */
class TraceTest {
    @Test
    void requestsAreBarsInLanesAndStepsAreCutToTheRun(@TempDir Path dir) throws Exception {
        long s = 1_000_000_000L;
        RequestOutput a = new RequestOutput(true, null, s, 0.1, new double[]{0.05}, 0.5, 3, 3, 2, new double[]{0.1, 0.15}, "", null);
        RequestOutput b = new RequestOutput(true, null, s + s / 10, 0.1, new double[0], 0.3, 3, 3, 1, new double[]{0.1}, "", null);
        RequestOutput c = new RequestOutput(true, null, 2 * s, 0.1, new double[0], 0.3, 3, 3, 1, new double[]{0.1}, "", null);
        ChromeTrace t = new ChromeTrace();
        RequestTrace.add(t, List.of(a, b, c), s, false);
        String steps = """
                {"ts_us": 900, "dur_us": 50, "prefill_tokens": 10, "decode_tokens": 0, "num_seqs": 1}
                {"ts_us": 1000, "dur_us": 20, "prefill_tokens": 0, "decode_tokens": 4, "num_seqs": 4, "gpu": 0}
                {"ts_us": 9000, "dur_us": 20, "prefill_tokens": 0, "decode_tokens": 4}
                """;
        assertEquals(2, StepTrace.add(t, 10, "decode-0", steps, 920, 5000, 0));
        Path f = dir.resolve("t.json");
        t.write(f);
        JsonNode root = new ObjectMapper().readTree(f.toFile());
        JsonNode ev = root.get("traceEvents");
        int lane2 = 0, decodes = 0;
        for (JsonNode e : ev) {
            if (e.path("cat").asText().equals("decode") && e.get("tid").asInt() == 2) lane2++;
            if (e.path("cat").asText().equals("step")) {
                decodes++;
                assertEquals(10, e.get("pid").asInt());
            }
        }
        assertEquals(1, lane2, "b overlaps a: second lane; c reuses the first");
        assertEquals(2, decodes);
        JsonNode first = null;
        for (JsonNode e : ev) if (e.path("name").asText().equals("req 0 ttft")) first = e;
        assertEquals(0.0, first.get("ts").asDouble());
        assertEquals(100_000.0, first.get("dur").asDouble(), 1e-6);
        assertTrue(root.has("displayTimeUnit"));
    }
}
