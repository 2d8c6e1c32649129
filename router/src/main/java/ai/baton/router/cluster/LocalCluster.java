package ai.baton.router.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Node processes of a local cluster, each with its own log under a run directory. Starts them all at once and waits
 * for every READY line; if one dies (or hangs) on the way, stops the rest and throws a one-line reason. Closing stops
 * every process tree: SIGTERM, a grace period, then SIGKILL.
 */
public final class LocalCluster implements AutoCloseable {
    /** One node to start: its id (also the log's name), the arguments after the launcher, extra environment. */
    public record NodeSpec(String id, List<String> args, Map<String, String> env) {}

    private final List<NodeProcess> nodes = new ArrayList<>();
    private volatile boolean closed;

    private LocalCluster() {}

    public static LocalCluster start(Launcher launcher, Path runDir, List<NodeSpec> specs, Duration readyTimeout)
            throws IOException {
        LocalCluster c = new LocalCluster();
        try {
            for (NodeSpec s : specs) {
                c.nodes.add(NodeProcess.start(s.id(), launcher.command(s.args()), s.env(), runDir.resolve(s.id() + ".log")));
            }
            long deadline = System.nanoTime() + readyTimeout.toNanos();
            for (NodeProcess n : c.nodes) {
                long left = deadline - System.nanoTime();
                try {
                    n.ready().get(Math.max(1, left), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new IllegalStateException(n.id() + " did not start within " + readyTimeout.toSeconds() + " s: "
                            + n.lastMeaningfulLine() + " (log: " + n.log() + ")");
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause().getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting the cluster");
                }
            }
        } catch (RuntimeException | IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public List<NodeProcess> nodes() { return List.copyOf(nodes); }

    /** Reports, on stderr, a node that exits while the cluster runs (the router's health checks route around it). */
    public void watch() {
        for (NodeProcess n : nodes) {
            n.process().onExit().thenAccept(p -> {
                if (!closed) System.err.println("baton: node " + n.id() + " exited with code " + p.exitValue() + " (log: " + n.log() + ")");
            });
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (NodeProcess n : nodes) n.terminate();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (NodeProcess n : nodes) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !n.process().waitFor(left, TimeUnit.NANOSECONDS)) n.kill();
            } catch (InterruptedException e) {
                n.kill();
                Thread.currentThread().interrupt();
            }
        }
    }
}
