package ai.baton.experiments.sweep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the sweep reads from a launcher: node /metrics announcements and /health completeness. */
class ClusterProcessTest {
    @Test
    void nodeMetricsAnnouncementsAreScraped(@TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("up");
        Files.writeString(script, """
                #!/bin/sh
                echo "metrics prefill-0 http://127.0.0.1:9161/metrics"
                echo "INFO: decode node decode-1 serving gRPC on 50071, metrics on 9171"
                echo "something else"
                sleep 30
                """);
        script.toFile().setExecutable(true);
        ClusterShape shape = new ClusterShape(1, 1, 1, 1);
        ClusterProcess p = ClusterProcess.start(List.of(script.toString()), tmp.resolve("log/cluster.log"), 1, shape);
        try {
            for (int i = 0; i < 50 && p.nodeMetricsUrls().size() < 2; i++) Thread.sleep(100);
            assertEquals(List.of("prefill-0=http://127.0.0.1:9161/metrics", "decode-1=http://127.0.0.1:9171/metrics"), p.nodeMetricsUrls());
            assertTrue(p.complete("{\"status\":\"ok\",\"prefill_nodes\":1,\"decode_nodes\":1}"));
            assertFalse(p.complete("{\"status\":\"ok\",\"prefill_nodes\":0,\"decode_nodes\":1}"));
            assertTrue(p.complete("{\"status\":\"ok\"}"), "no counts: 200 is enough");
        } finally {
            long t = System.nanoTime();
            p.stop(Duration.ofSeconds(5));
            assertTrue(System.nanoTime() - t < 6_000_000_000L, "SIGTERM stops it");
        }
    }
}
