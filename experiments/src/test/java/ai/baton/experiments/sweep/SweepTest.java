package ai.baton.experiments.sweep;

import ai.baton.experiments.bench.Bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The grid, and a whole sweep over a fake launcher: summary.csv, plots, resume and the GPU budget. */
class SweepTest {
    @Test
    void gridCrossesRatiosWithTpPairsAndRespectsTheBudget() {
        SweepGrid.Plan p = SweepGrid.plan(SweepGrid.ratios("2:1,1:1"), List.of(1, 2), List.of(1, 2), List.of(1, 2, 4), 1, 4);
        List<String> ids = p.run().stream().map(ClusterShape::id).toList();
        assertEquals(List.of("p2d1-tp1-1", "p2d1-tp1-2", "p1d1-tp1-1", "p1d1-tp1-2", "p1d1-tp2-1", "p1d1-tp2-2",
                "colo-d1-tp1", "colo-d1-tp2", "colo-d1-tp4"), ids);
        assertEquals(List.of("p2d1-tp2-1", "p2d1-tp2-2"), p.overBudget().stream().map(ClusterShape::id).toList(),
                "2*2+1*1 = 5 and 2*2+1*2 = 6 GPUs exceed 4");
        assertEquals(4, new ClusterShape(1, 1, 2, 2).gpus());
        assertEquals("2P:1D tp1/2", new ClusterShape(2, 1, 1, 2).label());
        assertEquals(List.of("--prefill", "0", "--decode", "1", "--tp-decode", "2"), new ClusterShape(0, 1, 9, 2).upArgs());
        assertEquals(9, SweepGrid.plan(SweepGrid.ratios("0:1"), List.of(1), List.of(1, 2), List.of(2), 1, 0).run().size() + 7,
                "0:D ratios are collocated and deduplicated against --collocated");
        assertThrows(IllegalArgumentException.class, () -> SweepGrid.ratios("2-1"));
        assertThrows(IllegalArgumentException.class, () -> SweepGrid.ints("1,0", "--tp"));
    }

    @Test
    void sweepsResumesAndPlots(@TempDir Path tmp) throws Exception {
        Path launcher = tmp.resolve("fake-baton");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(launcher, "#!/bin/sh\nshift\nexec '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' ai.baton.experiments.testing.FakeCluster \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.setProperty("baton.launcher", launcher.toString());
        Path out = tmp.resolve("sweep");
        String[] args = {"--model", tmp.toString(), "--out", out.toString(), "--ratios", "1:1,2:1,1:2", "--collocated", "1",
                "--tp", "1", "--gpus", "2", "--request-rates", "50,inf", "--num-prompts", "6", "--random-input-len", "8",
                "--random-output-len", "4", "--num-warmups", "1", "--warmup-seconds", "0", "--port", "18931", "--startup-timeout", "60"};
        try {
            int rc = new CommandLine(new SweepCommand()).execute(args);
            assertEquals(0, rc);
            List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
            assertEquals(1 + 4 * 2, csv.size(), String.join("\n", csv));
            assertTrue(csv.get(0).startsWith("config,label,prefill,decode,tp_prefill,tp_decode,gpus,workload"));
            long ok = csv.stream().filter(l -> l.contains(",ok,")).count();
            long over = csv.stream().filter(l -> l.contains(",over-gpu-budget,")).count();
            assertEquals(4, ok, "1:1 and collocated, two rates each");
            assertEquals(4, over, "2:1 and 1:2 need 3 GPUs");
            assertTrue(Files.exists(out.resolve("p1d1-tp1-1/rate-inf.json")));
            // Rungs draw different prompts (a cluster's prefix cache would serve repeats), configurations the same.
            long seedInf = Bench.JSON.readTree(out.resolve("p1d1-tp1-1/rate-inf.json").toFile()).path("sweep").path("seed").asLong();
            long seed50 = Bench.JSON.readTree(out.resolve("p1d1-tp1-1/rate-50.json").toFile()).path("sweep").path("seed").asLong();
            assertNotEquals(seedInf, seed50);
            assertEquals(seedInf, Bench.JSON.readTree(out.resolve("colo-d1-tp1/rate-inf.json").toFile()).path("sweep").path("seed").asLong());
            assertTrue(Files.size(out.resolve("p1d1-tp1-1/rate-inf.trace.json")) > 0, "a trace per point by default");
            assertTrue(Files.readString(out.resolve("p1d1-tp1-1/cluster.log")).contains("fake cluster up"));
            Path plots = out.resolve("plots");
            assertTrue(Files.size(plots.resolve("random-8-4-throughput_vs_tpot.png")) > 1000);
            assertTrue(Files.size(plots.resolve("random-8-4-throughput_vs_ttft.png")) > 1000);
            String html = Files.readString(plots.resolve("report.html"));
            assertTrue(html.contains("data:image/png;base64,") && html.contains("1P:1D tp1/1") && html.contains("collocated tp1"));

            // resume: nothing left to run, no cluster is started, results are untouched
            long before = Files.getLastModifiedTime(out.resolve("p1d1-tp1-1/rate-inf.json")).toMillis();
            Files.delete(out.resolve("colo-d1-tp1/rate-50.json"));
            assertEquals(0, new CommandLine(new SweepCommand()).execute(args));
            assertEquals(before, Files.getLastModifiedTime(out.resolve("p1d1-tp1-1/rate-inf.json")).toMillis());
            assertTrue(Files.exists(out.resolve("colo-d1-tp1/rate-50.json")), "the missing point was run again");
            assertFalse(Files.exists(out.resolve("p2d1-tp1-1")), "over-budget configurations never start");
        } finally {
            System.clearProperty("baton.launcher");
        }
    }

    @Test
    void aLauncherThatDiesIsReportedAndTheSweepGoesOn(@TempDir Path tmp) throws Exception {
        Path launcher = tmp.resolve("broken");
        Files.writeString(launcher, "#!/bin/sh\necho 'no such model' >&2\nexit 3\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.setProperty("baton.launcher", launcher.toString());
        try {
            Path out = tmp.resolve("s");
            int rc = new CommandLine(new SweepCommand()).execute("--model", tmp.toString(), "--out", out.toString(),
                    "--ratios", "1:1,1:2", "--gpus", "0", "--concurrencies", "1", "--port", "18932", "--no-plot");
            assertEquals(2, rc);
            String failed = Files.readString(out.resolve("p1d1-tp1-1/FAILED.txt"));
            assertTrue(failed.contains("exited with 3") && failed.contains("no such model"), failed);
            assertTrue(Files.readString(out.resolve("summary.csv")).contains("cluster-failed"));
            assertTrue(Files.exists(out.resolve("p1d2-tp1-1/FAILED.txt")), "the next configuration was still tried");
        } finally {
            System.clearProperty("baton.launcher");
        }
    }
}
