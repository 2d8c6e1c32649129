package ai.baton.router.cluster;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One node process of a local cluster: its output goes to its own log file, and the "READY role id port" line it
 * prints when serving completes {@link #ready()} with the gRPC port. A process that ends before that line fails it,
 * with the last lines of its log.
 */
public final class NodeProcess {
    private final String id;
    private final Process process;
    private final Path log;
    private final CompletableFuture<Integer> ready = new CompletableFuture<>();
    private final Deque<String> tail = new ArrayDeque<>();

    private NodeProcess(String id, Process process, Path log) {
        this.id = id;
        this.process = process;
        this.log = log;
    }

    static NodeProcess start(String id, List<String> command, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Files.writeString(log, "# " + String.join(" ", command) + "\n");
        NodeProcess n = new NodeProcess(id, pb.start(), log);
        Thread.ofPlatform().daemon(true).name("log-" + id).start(n::pump);
        return n;
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 20) tail.removeFirst();
                }
                if (!ready.isDone() && line.startsWith("READY ")) {
                    String[] p = line.trim().split("\\s+");
                    try {
                        ready.complete(Integer.parseInt(p[p.length - 1]));
                    } catch (NumberFormatException e) {
                        ready.completeExceptionally(new IllegalStateException(id + " printed a malformed READY line: " + line));
                    }
                }
            }
        } catch (IOException e) {
            // The process went away; its exit is reported below.
        }
        int code;
        try {
            code = process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
        }
        if (!ready.isDone()) ready.completeExceptionally(new IllegalStateException(id + " exited with code " + code
                + " during startup: " + lastMeaningfulLine() + " (log: " + log + ")"));
    }

    /** The last log line that says something (skipping stack frames), for one-line error messages. */
    String lastMeaningfulLine() {
        synchronized (tail) {
            String best = "no output";
            for (String l : tail) {
                String t = l.trim();
                if (t.isEmpty() || t.startsWith("at ") || t.startsWith("...") || t.startsWith("WARNING:")) continue;
                best = t;
            }
            return best;
        }
    }

    public String id() { return id; }

    public Path log() { return log; }

    public Process process() { return process; }

    /** Completes with the node's gRPC port once it serves; fails if it exits first. */
    public CompletableFuture<Integer> ready() { return ready; }

    /** Asks the process tree to stop (SIGTERM): children first, then the node. */
    void terminate() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
    }

    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
