package ai.baton.kvtransfer.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs UCX's own {@code ucx_perftest -t ucp_put_bw} (server and client, two processes on this host) with the same
 * UCX settings, as the reference figure for kv-bench.
 */
final class Perftest {
    private Perftest() {}

    /** Bandwidth in GB/s (10^9 bytes) and the command line, or an error. */
    record Result(double gbps, String command, String error) {}

    static Result putBandwidth(long size, int iters, String tls) {
        String exe = "ucx_perftest";
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            return new Result(Double.NaN, "", "no free port: " + e.getMessage());
        }
        int warmup = Math.max(1, iters / 10);
        List<String> client = List.of(exe, "127.0.0.1", "-p", String.valueOf(port), "-t", "ucp_put_bw", "-s", String.valueOf(size),
                "-n", String.valueOf(iters), "-w", String.valueOf(warmup), "-v");
        String shown = (tls != null ? "UCX_TLS=" + tls + " " : "") + "ucx_perftest -p " + port + " & "
                + (tls != null ? "UCX_TLS=" + tls + " " : "") + String.join(" ", client);
        Process server = null;
        try {
            server = start(List.of(exe, "-p", String.valueOf(port)), tls);
            for (int attempt = 0; attempt < 20; attempt++) {
                Thread.sleep(150);
                if (!server.isAlive()) return new Result(Double.NaN, shown, "ucx_perftest server exited");
                Process c = start(client, tls);
                if (!c.waitFor(300, TimeUnit.SECONDS)) {
                    c.destroyForcibly();
                    return new Result(Double.NaN, shown, "ucx_perftest timed out");
                }
                String outText = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (c.exitValue() != 0) continue; // server not listening yet
                for (String line : outText.split("\n")) {
                    String[] f = line.trim().split(",");
                    if (f.length >= 6 && f[0].matches("\\d+")) {
                        double mibPerSec = Double.parseDouble(f[5]); // overall_bw, in MB/s where MB = 2^20 bytes
                        return new Result(mibPerSec * 1048576.0 / 1e9, shown, null);
                    }
                }
                return new Result(Double.NaN, shown, "could not parse ucx_perftest output");
            }
            return new Result(Double.NaN, shown, "ucx_perftest client could not connect");
        } catch (IOException e) {
            return new Result(Double.NaN, shown, "ucx_perftest not runnable (apt-get install ucx-utils): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Double.NaN, shown, "interrupted");
        } finally {
            if (server != null) server.destroyForcibly();
        }
    }

    private static Process start(List<String> cmd, String tls) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd));
        Map<String, String> env = pb.environment();
        if (tls != null) env.put("UCX_TLS", tls);
        else env.remove("UCX_TLS");
        env.put("UCX_LOG_FILE", "stderr");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        return pb.start();
    }
}
