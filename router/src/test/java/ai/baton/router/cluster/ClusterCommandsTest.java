package ai.baton.router.cluster;

import ai.baton.router.FixtureRequests;
import ai.baton.router.testing.Fixtures;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.NodeMain;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    private static ClusterOptions options(Path runDir, int p, int d) {
        ClusterOptions c = new ClusterOptions();
        new CommandLine(c).parseArgs("--prefill", Integer.toString(p), "--decode", Integer.toString(d), "--port", "0",
                "--run-dir", runDir.toString(), "--kv-blocks", "256", "--threads", "1", "--ready-timeout-s", "120");
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
