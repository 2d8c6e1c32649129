package ai.baton.kvtransfer.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running {@link TestNode}, with this JVM's class path and flags. Commands go in on stdin, one
 * reply line comes back per command; stderr goes to a log file. {@link #kill()} simulates a crash.
 */
public final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final PrintWriter in;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path log;

    public PeerProcess(String name, Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), TestNode.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        log = Path.of(System.getProperty("java.io.tmpdir"), "kv-peer-" + name + "-" + ProcessHandle.current().pid() + ".log");
        pb.redirectError(log.toFile());
        process = pb.start();
        in = new PrintWriter(process.getOutputStream(), true);
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                String s;
                while ((s = r.readLine()) != null) lines.add(s);
            } catch (IOException ignored) {
                // process gone
            }
            lines.add("EOF");
        });
        String ready = next(Duration.ofSeconds(30));
        if (!ready.startsWith("READY")) throw new IOException("peer did not start: " + ready + " (log " + log + ")");
    }

    public String call(String command, Duration timeout) {
        in.println(command);
        return next(timeout);
    }

    /** Sends a command whose reply is read later with {@link #next}. */
    public void send(String command) {
        in.println(command);
    }

    public String next(Duration timeout) {
        try {
            String s = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (s == null) throw new AssertionError("no reply from peer in " + timeout + " (log " + log + ")");
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** Like {@code call}, but fails unless the reply starts with {@code prefix}; returns the rest. */
    public String expect(String command, String prefix, Duration timeout) {
        String r = call(command, timeout);
        if (!r.startsWith(prefix)) throw new AssertionError("'" + command.split(" ")[0] + "' answered '" + r + "' (log " + log + ")");
        return r.substring(prefix.length()).trim();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the process dies without closing anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            in.println("exit");
            if (!process.waitFor(5, TimeUnit.SECONDS)) kill();
        }
    }
}
