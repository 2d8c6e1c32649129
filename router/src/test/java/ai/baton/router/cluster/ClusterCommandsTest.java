package ai.baton.router.cluster;

import ai.baton.router.FixtureRequests;
import ai.baton.router.testing.Fixtures;
import ai.baton.router.testing.Http;
import ai.baton.decode.NodeMain;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local-cluster machinery of {@code up} and {@code demo}: node processes, logs, READY lines, stopping. */
class ClusterCommandsTest {
    private static final Launcher NODES = Launcher.forMainClass(NodeMain.class.getName());

    private static ClusterOptions options(Path runDir, int p, int d, String... more) {
        ClusterOptions c = new ClusterOptions();
        List<String> args = new java.util.ArrayList<>(List.of("--prefill", Integer.toString(p), "--decode", Integer.toString(d),
                "--port", "0", "--run-dir", runDir.toString(), "--kv-blocks", "256", "--threads", "1", "--ready-timeout-s", "120"));
        args.addAll(List.of(more));
        new CommandLine(c).parseArgs(args.toArray(String[]::new));
        return c;
    }

    private static ai.baton.router.RouterOptions routerOptions(String... args) {
        ai.baton.router.RouterOptions r = new ai.baton.router.RouterOptions();
        new CommandLine(r).parseArgs(args);
        return r;
    }

    @Test
    void upStartsNodeProcessesThatServeTheFixtureAndStopThemAll(@TempDir Path tmp) throws Exception {
        ClusterRunner runner = ClusterRunner.start(Fixtures.textTiny(), "cpu", options(tmp, 1, 1),
                routerOptions("--local-prefill-threshold", "-1"), NODES);
        List<Process> procs;
        try {
            procs = runner.nodes().nodes().stream().map(NodeProcess::process).toList();
            assertTrue(Files.readString(tmp.resolve("prefill-0.log")).contains("READY prefill prefill-0"));
            assertTrue(Files.readString(tmp.resolve("decode-0.log")).contains("READY decode decode-0"));
            Http http = new Http(runner.router().httpPort());
            for (JsonNode k : Fixtures.textCases()) {
                Http.Reply r = http.post(FixtureRequests.path(k), FixtureRequests.body(k, false, false));
                assertEquals(200, r.status(), r.body());
                assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(r.json()));
            }
            // The nodes' load reports reach the router: nothing left in use.
            long end = System.nanoTime() + 10_000_000_000L;
            while (runner.router().registry().all().stream().anyMatch(n -> n.stats().getKvBlocksUsed() + n.stats().getKvBlocksReserved() > 0)) {
                assertTrue(System.nanoTime() < end, "KV blocks still in use");
                Thread.sleep(100);
            }
        } finally {
            runner.close();
        }
        for (Process p : procs) assertFalse(p.isAlive(), "node processes are stopped");
    }

    /**
     * Issue 6's acceptance through {@code up} itself: every prefill TP x decode TP in {1, 2}^2 serves the fixture's
     * reference (HF) greedy text, which is what TP 1 gives, with the KV moved between different shardings.
     */
    @ParameterizedTest(name = "tp-prefill {0}, tp-decode {1}")
    @CsvSource({"1,1", "1,2", "2,1", "2,2"})
    void upWithPerRoleTensorParallelismServesTheSameTokensAsTp1(int tpPrefill, int tpDecode, @TempDir Path tmp) throws Exception {
        ClusterRunner runner = ClusterRunner.start(Fixtures.textTiny(), "cpu",
                options(tmp, 1, 1, "--tp-prefill", Integer.toString(tpPrefill), "--tp-decode", Integer.toString(tpDecode)),
                routerOptions("--local-prefill-threshold", "-1"), NODES);
        try {
            assertTrue(Files.readString(tmp.resolve("prefill-0.log")).contains("READY prefill prefill-0"));
            Http http = new Http(runner.router().httpPort());
            for (JsonNode k : Fixtures.textCases()) {
                String label = "tp " + tpPrefill + "x" + tpDecode + ": " + k.path("prompt_text");
                Http.Reply r = http.post(FixtureRequests.path(k), FixtureRequests.body(k, false, false));
                assertEquals(200, r.status(), r.body());
                assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(r.json()), label);
                Http.Stream s = http.stream(FixtureRequests.path(k), FixtureRequests.body(k, true, false));
                assertEquals(200, s.status());
                assertEquals(k.path("greedy_text").asText(), Http.streamedText(s), "streamed, " + label);
            }
            // The KV really crossed from the prefill node's shards to the decode node's.
            String metrics = http.get("/metrics").body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("baton:kv_transfer_bytes_total") && !l.endsWith(" 0.0")), metrics);
        } finally {
            runner.close();
        }
    }

    @Test
    void engineSizingOptionsReachEveryNodeAndDefaultsAreLeftToTheNode(@TempDir Path tmp) {
        List<LocalCluster.NodeSpec> specs = ClusterRunner.specs(Path.of("m"), "cpu",
                options(tmp, 1, 2, "--kv-cache-mib", "40000", "--max-batch-tokens", "8192", "--max-seqs", "256",
                        "--kv-offload-mib", "65536"), 1234);
        assertEquals(3, specs.size());
        for (LocalCluster.NodeSpec s : specs) {
            String args = String.join(" ", s.args());
            assertTrue(args.contains("--kv-cache-mib 40000") && args.contains("--max-batch-tokens 8192") && args.contains("--max-seqs 256")
                    && args.contains("--kv-offload-mib 65536"), args);
        }
        String plain = String.join(" ", ClusterRunner.specs(Path.of("m"), "cpu", options(tmp, 1, 1), 1234).getFirst().args());
        assertFalse(plain.contains("--kv-cache-mib") || plain.contains("--max-batch-tokens") || plain.contains("--max-seqs")
                || plain.contains("--kv-offload-mib"), plain);
        assertThrows(IllegalArgumentException.class, () -> options(tmp, 1, 1, "--max-seqs", "-1").validate());
        assertThrows(IllegalArgumentException.class, () -> options(tmp, 1, 1, "--kv-offload-mib", "-1").validate());
        String spec = "{\"method\": \"ngram\", \"num_speculative_tokens\": 4}";
        List<LocalCluster.NodeSpec> speculating = ClusterRunner.specs(Path.of("m"), "cpu", options(tmp, 1, 1, "--speculative-config", spec), 1234);
        assertFalse(speculating.get(0).args().contains("--speculative-config"), "prefill nodes sample one token");
        assertTrue(String.join(" ", speculating.get(1).args()).contains("--speculative-config " + spec), speculating.get(1).args().toString());
        assertThrows(IllegalArgumentException.class, () -> options(tmp, 1, 1, "--speculative-config", "{\"method\": \"eagle\"}").validate());
        for (LocalCluster.NodeSpec n : ClusterRunner.specs(Path.of("m"), "cpu", options(tmp, 1, 1, "--scheduling-policy", "priority"), 1234))
            assertTrue(String.join(" ", n.args()).contains("--scheduling-policy priority"), "every node schedules by priority: " + n.args());
        assertThrows(IllegalArgumentException.class, () -> options(tmp, 1, 1, "--scheduling-policy", "lifo").validate());
    }

    @Test
    void aNodeDyingAtStartupStopsEverythingWithAOneLineReason(@TempDir Path tmp) throws Exception {
        Path broken = tmp.resolve("broken-model");
        Files.createDirectories(broken);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "config.json"))
            Files.copy(Fixtures.textTiny().resolve(f), broken.resolve(f));   // no weights: nodes fail to load
        var e = assertThrows(IllegalStateException.class, () -> ClusterRunner.start(broken, "cpu", options(tmp.resolve("run"), 1, 1),
                routerOptions(), NODES));
        assertTrue(e.getMessage().matches("(prefill|decode)-0 exited with code [1-9]\\d* during startup: .*"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void demoMakesItsModelRunsABurstAndPrintsLatencies(@TempDir Path tmp) throws Exception {
        DemoCommand demo = new DemoCommand();
        demo.launcher = NODES;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
            code = new CommandLine(demo).execute("--exit", "--backend", "cpu", "--port", "0", "--requests", "4",
                    "--concurrency", "2", "--max-tokens", "8", "--threads", "1", "--kv-blocks", "256",
                    "--demo-model-dir", tmp.resolve("demo").toString(), "--run-dir", tmp.resolve("run").toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, code, out);
        assertTrue(out.contains("Burst: 4 requests, 4 ok, 0 failed"), out);
        assertTrue(out.contains("TTFT") && out.contains("ITL") && out.contains("Throughput:"), out);
        assertTrue(Files.isRegularFile(tmp.resolve("demo").resolve("model.safetensors")));
    }
}
