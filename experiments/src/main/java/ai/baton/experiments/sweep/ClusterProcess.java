package ai.baton.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local cluster started with the launcher ({@code ./baton up ...}, or $BATON_LAUNCHER), its output going to a
 * log file. Ready means the router's /health answers 200 with every node of the shape registered; stopping
 * sends SIGTERM to the launcher and its descendants and, after a grace period, kills what is left.
 */
public final class ClusterProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lines "metrics NAME URL" in the launcher's output name node /metrics endpoints. */
    private static final Pattern METRICS_LINE = Pattern.compile("(?:^|\\s)metrics\\s+(\\S+)\\s+(https?://\\S+)");
    /** NodeRunner's log line: "... node NODE-ID serving gRPC on PORT, metrics on PORT". */
    private static final Pattern NODE_METRICS = Pattern.compile("(?:prefill|decode) node (\\S+) serving .*metrics on (https?://\\S+|\\d{2,5})");

    private final Process process;
    private final Path log;
    private final int port;
    private final ClusterShape shape;
    private Path nodeLogs;

    private ClusterProcess(Process process, Path log, int port, ClusterShape shape) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.shape = shape;
    }

    /** Where the launcher writes node logs (baton up --run-dir): they are searched for node /metrics ports too. */
    public ClusterProcess nodeLogs(Path dir) {
        this.nodeLogs = dir;
        return this;
    }

    /** The launcher: $BATON_LAUNCHER (or the baton.launcher property, for tests), else ./baton in the working directory. */
    public static Path launcher() {
        String env = System.getProperty("baton.launcher", System.getenv("BATON_LAUNCHER"));
        return Path.of(env != null && !env.isBlank() ? env : "./baton");
    }

    public static List<String> command(Path launcher, Path model, ClusterShape shape, int port, List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "up", "--model", model.toString()));
        cmd.addAll(shape.upArgs());
        cmd.addAll(List.of("--port", Integer.toString(port)));
        cmd.addAll(extra);
        return cmd;
    }

    public static ClusterProcess start(List<String> command, Path log, int port, ClusterShape shape) throws IOException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, "$ " + String.join(" ", command) + "\n");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new ClusterProcess(pb.start(), log, port, shape);
    }

    public String baseUrl() { return "http://127.0.0.1:" + port; }

    /** Waits until /health reports the shape's nodes; throws with the log's tail if the launcher dies or time runs out. */
    public void awaitReady(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive())
                throw new IllegalStateException("the launcher exited with " + process.exitValue() + " before the cluster was ready:\n" + tail(20));
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                last = "HTTP " + r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && complete(r.body())) return;
            } catch (IOException e) {
                last = e.getClass().getSimpleName();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the cluster was not ready after " + timeout.toSeconds() + " s (last /health: " + last + "):\n" + tail(20));
    }

    /** /health counts every node of the shape (when it reports counts at all). */
    boolean complete(String healthBody) {
        try {
            JsonNode h = JSON.readTree(healthBody);
            if (!h.has("decode_nodes")) return true;
            return h.path("decode_nodes").asInt() >= shape.decode() && h.path("prefill_nodes").asInt() >= shape.prefill();
        } catch (IOException e) {
            return true;
        }
    }

    /** NAME=URL specs of node /metrics endpoints announced in the launcher's output or the node logs, one per URL. */
    public List<String> nodeMetricsUrls() {
        java.util.Map<String, String> byUrl = new java.util.LinkedHashMap<>();
        List<Path> files = new ArrayList<>(List.of(log));
        if (nodeLogs != null && Files.isDirectory(nodeLogs)) {
            try (var s = Files.walk(nodeLogs, 2)) {
                s.filter(Files::isRegularFile).sorted().forEach(files::add);
            } catch (IOException ignored) {
                // no node logs: the launcher's own output may still name them
            }
        }
        for (Path f : files) {
            try {
                for (String line : Files.readAllLines(f, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                    Matcher m = METRICS_LINE.matcher(line);
                    if (m.find()) {
                        byUrl.putIfAbsent(m.group(2), m.group(1));
                        continue;
                    }
                    Matcher n = NODE_METRICS.matcher(line);
                    if (n.find()) {
                        String u = n.group(2);
                        byUrl.putIfAbsent(u.startsWith("http") ? u : "http://127.0.0.1:" + u + "/metrics", n.group(1));
                    }
                }
            } catch (IOException ignored) {
                // unreadable log: skip it
            }
        }
        List<String> out = new ArrayList<>();
        byUrl.forEach((url, name) -> out.add(name + "=" + url));
        return out;
    }

    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM to the launcher and everything it started; SIGKILL after the grace period. */
    public void stop(Duration grace) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        process.destroy();
        for (ProcessHandle h : tree) h.destroy();
        long deadline = System.nanoTime() + grace.toNanos();
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        for (ProcessHandle h : tree) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        if (process.isAlive()) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }

    /** Waits until nothing answers on the port, so the next cluster can bind it. */
    public void awaitPortFree(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            } catch (IOException e) {
                return;
            }
            Thread.sleep(250);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) stop(Duration.ofSeconds(30));
    }
}
