package ai.baton.router.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Whether this host has NVIDIA GPUs (device files) and a CUDA backend in this build, without touching CUDA. */
final class GpuProbe {
    private static final Pattern DEVICE = Pattern.compile("nvidia\\d+");

    private GpuProbe() {}

    static int count() {
        try (var files = Files.list(Path.of("/dev"))) {
            return (int) files.filter(p -> DEVICE.matcher(p.getFileName().toString()).matches()).count();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static boolean cudaUsable() {
        if (count() == 0) return false;
        try {
            Class.forName(ai.baton.engine.backend.Backends.CUDA_CLASS, false, GpuProbe.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
