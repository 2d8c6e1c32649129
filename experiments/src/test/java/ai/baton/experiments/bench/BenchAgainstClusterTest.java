package ai.baton.experiments.bench;

import ai.baton.experiments.testing.NodeMain;
import ai.baton.router.RouterOptions;
import ai.baton.router.cluster.ClusterOptions;
import ai.baton.router.cluster.ClusterRunner;
import ai.baton.router.cluster.Launcher;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: the bench against a real local CPU cluster (router in process, prefill and decode node processes, as
 * {@code baton up} runs them) on the text fixture. Checks the vLLM fields, the server-side blocks, and that the
 * bench's TTFT and ITL agree with the router's histograms (ITL within 10%; TTFT within 25%, since on a busy shared
 * host 2-4 ms of client-side time is a large part of a ~30 ms TTFT; measured agreement is in experiments/README.md).
 */
class BenchAgainstClusterTest {
    private static final Pattern METRICS = Pattern.compile("(prefill|decode) node (\\S+) serving .*metrics on (\\d+)");

    @Test
    void benchAgreesWithTheRouter(@TempDir Path tmp) throws Exception {
        Path model = Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures"), "qwen3-text-tiny");
        ClusterOptions c = new ClusterOptions();
        new CommandLine(c).parseArgs("--prefill", "1", "--decode", "1", "--port", "0", "--run-dir", tmp.toString(),
                "--threads", "1", "--ready-timeout-s", "120");
        RouterOptions r = new RouterOptions();
        new CommandLine(r).parseArgs("--local-prefill-threshold", "-1");
        try (ClusterRunner cluster = ClusterRunner.start(model, "cpu", c, r, Launcher.forMainClass(NodeMain.class.getName()))) {
            BenchOptions o = new BenchOptions();
            o.baseUrl = cluster.baseUrl("127.0.0.1");
            o.randomInputLen = 256;
            o.randomOutputLen = 16;
            o.numPrompts = 16;
            o.requestRate = "8";
            o.ignoreEos = true;
            o.numWarmups = 8;
            o.disableProgress = true;
            o.metricsUrls = new ArrayList<>();
            for (Path log : Files.list(tmp).filter(f -> f.toString().endsWith(".log")).toList()) {
                Matcher m = METRICS.matcher(Files.readString(log));
                if (m.find()) o.metricsUrls.add(m.group(2) + "=http://127.0.0.1:" + m.group(3) + "/metrics");
            }
            assertEquals(2, o.metricsUrls.size(), "both nodes log their metrics port");
            PrintStream out = System.out;
            System.setOut(new PrintStream(new ByteArrayOutputStream()));
            ObjectNode res;
            try {
                res = new Bench(o, new PrintStream(new ByteArrayOutputStream())).run();
            } finally {
                System.setOut(out);
            }
            assertEquals(16, res.get("completed").asInt(), res.toString());
            assertEquals(0, res.get("failed").asInt());
            assertEquals(16 * 16, res.get("total_output_tokens").asInt());
            assertEquals("qwen3-text-tiny", res.get("model_id").asText());
            assertTrue(res.get("tokenizer_id").asText().endsWith("qwen3-text-tiny"), "tokenizer from /v1/models' root");
            JsonNode ag = res.get("server_agreement");
            assertEquals(16, ag.path("ttft").path("server_count").asInt(), "warm-ups are outside the scrapes");
            assertTrue(Math.abs(ag.path("itl").path("rel_diff").asDouble()) < 0.10, ag.toString());
            assertTrue(Math.abs(ag.path("ttft").path("rel_diff").asDouble()) < 0.25, ag.toString());
            JsonNode tb = res.get("time_breakdown");
            assertTrue(tb.get("mean_prefill_compute_ms").asDouble() > 0, tb.toString());
            assertTrue(tb.get("nodes").has("prefill-0") && tb.get("nodes").has("decode-0"), tb.toString());
            assertEquals(16.0, res.path("server_metrics").path("router").path("counters")
                    .path("baton:request_success_total{finished_reason=length}").asDouble(), res.path("server_metrics").toString());
        }
    }
}
