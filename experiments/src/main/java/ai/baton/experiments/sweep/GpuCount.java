package ai.baton.experiments.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** How many GPUs this host has, from {@code nvidia-smi -L}; 0 (no limit) where there is none. */
final class GpuCount {
    private GpuCount() {}

    static int detect() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            if (p.exitValue() != 0) return 0;
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return (int) out.lines().filter(l -> l.startsWith("GPU ")).count();
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return 0;
        }
    }
}
