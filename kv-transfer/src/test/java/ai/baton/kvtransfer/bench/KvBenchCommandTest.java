package ai.baton.kvtransfer.bench;

import ai.baton.kvtransfer.cuda.CudaDriver;
import ai.baton.kvtransfer.ucx.UcxRuntime;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KvBenchCommandTest {

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(bos, true, StandardCharsets.UTF_8));
            CommandLine cl = new CommandLine(new KvBenchCommand());
            cl.setErr(new PrintWriter(err, true));
            cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
                cmd.getErr().println("kv-bench: " + ex.getMessage());
                return 1;
            });
            int code = cl.execute(args);
            return new Run(code, bos.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void jsonReportWithVerifiedResultsPerSize() throws Exception {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        Run r = run("--sizes", "4KiB,256KiB", "--iters", "5", "--json", "--shuffle", "--repeat", "2"); // repeats reallocate pools
        assertEquals(0, r.exit(), r.err());
        JsonNode report = new ObjectMapper().readTree(r.out()); // stdout is exactly one JSON object
        assertEquals("ucx", report.get("transport").asText());
        assertEquals(2, report.get("results").size());
        for (JsonNode res : report.get("results")) {
            assertTrue(res.get("verified").asBoolean(), res.toString());
            assertTrue(res.get("gbps").asDouble() > 0);
            assertTrue(res.get("size").asLong() == 4096 || res.get("size").asLong() == 262144);
        }
        assertTrue(report.get("results").get(1).get("putsPerTransfer").asLong() > 2, "shuffled blocks give one put per block");
    }

    @Test
    void stagedThroughASimulatedDeviceVerifies() throws Exception {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        Run r = run("--transport", "staged", "--memory", "sim", "--sizes", "1MiB", "--iters", "3", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode res = new ObjectMapper().readTree(r.out()).get("results").get(0);
        assertTrue(res.get("verified").asBoolean());
    }

    @Test
    void cudaIpcWithoutAGpuIsOneLine() {
        assumeTrue(CudaDriver.unavailableReason() != null, "this host has a GPU");
        Run r = run("--transport", "cuda-ipc", "--sizes", "4KiB");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("kv-bench: CUDA is not available"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void sizesParse() {
        assertEquals(4096, ByteSizes.parse("4KiB"));
        assertEquals(256L << 20, ByteSizes.parse("256MiB"));
        assertEquals("64MiB", ByteSizes.format(64L << 20));
        assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("lots"));
        assertThrows(IllegalArgumentException.class, () -> BenchPool.layoutFor(100));
    }
}
