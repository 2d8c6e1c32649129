package ai.baton.experiments.bench;

import ai.baton.experiments.testing.FakeOpenAiServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench end to end against a real HTTP server that streams SSE like an OpenAI server. */
class BenchAgainstServerTest {
    static FakeOpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new FakeOpenAiServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.ttftMs = 40;
        server.itlMs = 10;
        server.failEvery = 0;
        server.streamErrorEvery = 0;
        server.crlf = false;
        server.ttftPerPriorityMs = 0;
        server.bodies.clear();
    }

    private static BenchOptions options() {
        BenchOptions o = new BenchOptions();
        o.baseUrl = server.baseUrl();
        o.randomInputLen = 16;
        o.randomOutputLen = 8;
        o.numPrompts = 12;
        o.maxConcurrency = 4;
        o.disableProgress = true;
        return o;
    }

    private static ObjectNode run(BenchOptions o) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        PrintStream out = System.out;
        System.setOut(quiet);
        try {
            return new Bench(o, quiet).run();
        } finally {
            System.setOut(out);
        }
    }

    @Test
    void prioritiesAreSentAndLatenciesReportedPerPriority() throws Exception {
        server.ttftPerPriorityMs = 20;  // a priority-5 request waits 100 ms longer for its first token
        BenchOptions o = options();
        o.numPrompts = 24;
        o.priorities = List.of(0, 5);
        ObjectNode r = run(o);
        List<Integer> sent = server.bodies.stream().map(b -> b.path("priority").asInt(-1)).toList();
        assertEquals(24, sent.size());
        assertTrue(sent.contains(0) && sent.contains(5) && sent.stream().allMatch(p -> p == 0 || p == 5), sent.toString());
        JsonNode p0 = r.path("priorities").path("0"), p5 = r.path("priorities").path("5");
        assertEquals(24, p0.path("completed").asInt() + p5.path("completed").asInt());
        assertEquals(sent.stream().filter(p -> p == 5).count(), p5.path("completed").asLong());
        assertTrue(p5.path("mean_ttft_ms").asDouble() > p0.path("mean_ttft_ms").asDouble() + 60,
                "each request's latency lands in its own priority: " + r.path("priorities"));
        // Without --priorities, no field is sent.
        server.bodies.clear();
        run(options());
        assertTrue(server.bodies.stream().noneMatch(b -> b.has("priority")));
    }

    @Test
    void timesTokensAndWritesVllmFields(@TempDir Path dir) throws Exception {
        BenchOptions o = options();
        o.saveResult = true;
        o.saveDetailed = true;
        o.resultDir = dir;
        o.resultFilename = "r.json";
        o.goodput = List.of("ttft:1000", "tpot:1000");
        o.numWarmups = 4;  // the client's first connections and JIT would show up in the first TTFTs
        ObjectNode r = run(o);
        JsonNode saved = Bench.JSON.readTree(Files.readString(dir.resolve("r.json")));
        assertEquals(Bench.JSON.readTree(Bench.JSON.writeValueAsString(r)), saved);
        for (String f : List.of("completed", "failed", "duration", "total_input_tokens", "total_output_tokens",
                "request_throughput", "output_throughput", "total_token_throughput", "request_goodput",
                "input_lens", "output_lens", "ttfts", "itls", "generated_texts", "errors", "max_concurrency", "request_rate"))
            assertTrue(saved.has(f), f);
        for (String m : List.of("ttft", "tpot", "itl", "e2el"))
            for (String s : List.of("mean", "median", "std", "p99"))
                assertTrue(saved.get(s + "_" + m + "_ms").isNumber(), s + "_" + m + "_ms");
        assertEquals(12, saved.get("completed").asInt());
        assertEquals(0, saved.get("failed").asInt());
        assertEquals(12 * 8, saved.get("total_output_tokens").asInt());
        assertEquals(12 * 7, saved.get("total_input_tokens").asInt(), "input tokens come from the server's usage");
        assertEquals("inf", saved.get("request_rate").asText());
        // server: first chunk after 40 ms, then 7 more 10 ms apart
        double ttft = saved.get("mean_ttft_ms").asDouble(), itl = saved.get("mean_itl_ms").asDouble();
        assertTrue(ttft >= 40 && ttft < 90, "ttft " + ttft);
        assertTrue(itl >= 9 && itl < 25, "itl " + itl);
        assertTrue(saved.get("median_itl_ms").asDouble() >= 9, "median itl");
        double tpot = saved.get("mean_tpot_ms").asDouble(), e2el = saved.get("mean_e2el_ms").asDouble();
        assertEquals((e2el - ttft) / 7, tpot, 1.0, "TPOT = (E2EL - TTFT) / (tokens - 1)");
        assertEquals(7, saved.get("itls").get(0).size(), "one ITL per gap between the 8 text chunks");
        assertTrue(saved.get("generated_texts").get(0).asText().startsWith("t1 t2 "));
        assertEquals(12.0 / saved.get("duration").asDouble(), saved.get("request_throughput").asDouble(), 1e-9);
        assertEquals(saved.get("request_throughput").asDouble(), saved.get("request_goodput").asDouble(), 1e-9, "all good");
        assertTrue(saved.get("max_concurrent_requests").asInt() <= 4);
        // the fake server serves router-named histograms: the agreement block compares them
        JsonNode ag = saved.path("server_agreement");
        assertEquals(12, ag.path("ttft").path("server_count").asInt());
        assertTrue(Math.abs(ag.path("ttft").path("rel_diff").asDouble()) < 0.25, ag.toString());
        assertTrue(Math.abs(ag.path("itl").path("rel_diff").asDouble()) < 0.25, ag.toString());
        assertTrue(saved.path("time_breakdown").path("missing").toString().contains("baton:prefill_seconds"));
    }

    @Test
    void goodputCountsOnlyRequestsWithinEveryObjective() throws Exception {
        BenchOptions o = options();
        o.goodput = List.of("ttft:10 tpot:1000");  // nobody gets a first token within 10 ms
        ObjectNode r = run(o);
        assertEquals(0.0, r.get("request_goodput").asDouble());
        assertEquals(10.0, r.get("goodput_slos_ms").get("ttft").asDouble());
        o.goodput = List.of();
        assertTrue(run(o).get("request_goodput").isNull(), "no objectives: null, as vLLM writes it");
    }

    @Test
    void maxConcurrencyBoundsRequestsInFlight() throws Exception {
        BenchOptions o = options();
        o.maxConcurrency = 2;
        o.numPrompts = 8;
        int before = server.maxInFlight();
        ObjectNode r = run(o);
        assertTrue(r.get("max_concurrent_requests").asInt() <= 2);
        assertTrue(server.maxInFlight() <= Math.max(2, before));
    }

    @Test
    void requestRatePacesArrivals() throws Exception {
        BenchOptions o = options();
        o.maxConcurrency = null;
        o.numPrompts = 20;
        o.requestRate = "40";
        o.randomOutputLen = 2;
        ObjectNode r = run(o);
        // 19 gaps of mean 25 ms: about half a second of arrivals
        double d = r.get("duration").asDouble();
        assertTrue(d > 0.2 && d < 2.0, "duration " + d);
        assertEquals(40.0, r.get("request_rate").asDouble());
    }

    @Test
    void failuresAreCountedNotFatal() throws Exception {
        BenchOptions o = options();
        server.failEvery = 3;
        server.streamErrorEvery = 5;
        o.numPrompts = 15;
        o.saveDetailed = true;
        ObjectNode r = run(o);
        int failed = r.get("failed").asInt();
        assertTrue(failed >= 5, "HTTP 500s and in-stream errors fail: " + failed);
        assertEquals(15, failed + r.get("completed").asInt());
        boolean sawHttp = false, sawStream = false;
        for (JsonNode e : r.get("errors")) {
            sawHttp |= e.asText().startsWith("HTTP 500");
            sawStream |= e.asText().contains("node died");
        }
        assertTrue(sawHttp && sawStream, r.get("errors").toString());
    }

    @Test
    void chatEndpointAndCrlfStreams() throws Exception {
        server.crlf = true;
        BenchOptions o = options();
        o.endpoint = "/v1/chat/completions";
        o.tokenizer = Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures"), "tokenizers", "qwen3");
        o.numPrompts = 4;
        server.bodies.clear();
        ObjectNode r = run(o);
        assertEquals(4, r.get("completed").asInt());
        assertEquals(4 * 8, r.get("total_output_tokens").asInt());
        assertTrue(r.get("mean_ttft_ms").asDouble() >= 40, "the role-only chunk is not a token");
        JsonNode body = server.bodies.peek();
        assertEquals("user", body.get("messages").get(0).get("role").asText());
        assertEquals(8, body.get("max_completion_tokens").asInt());
        assertTrue(body.get("stream").asBoolean());
        assertTrue(body.get("stream_options").get("include_usage").asBoolean());
    }

    @Test
    void requestBodiesCarryPresetSettings() throws Exception {
        BenchOptions o = options();
        o.preset = "decode-sequential";
        o.maxConcurrency = null;
        o.randomInputLen = null;
        o.numPrompts = 2;
        o.randomOutputLen = 3;  // explicit beats the preset's 128-512
        server.bodies.clear();
        ObjectNode r = run(o);
        assertEquals(1, r.get("max_concurrency").asInt(), "the preset's concurrency");
        JsonNode body = server.bodies.peek();
        assertTrue(body.get("ignore_eos").asBoolean(), "presets force output lengths");
        assertEquals(3, body.get("max_tokens").asInt());
        assertEquals("fake-model", body.get("model").asText(), "model name from /v1/models");
        assertTrue(body.get("prompt").isArray(), "no tokenizer: token-id prompts");
        assertEquals(32, body.get("prompt").size());
        assertFalse(body.has("messages"));
    }
}
