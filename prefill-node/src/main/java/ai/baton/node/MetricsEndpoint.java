package ai.baton.node;

import ai.baton.engine.StepRecord;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Supplier;

/** Serves a node's metrics at {@code http://host:port/metrics} and its engine's recent steps at {@code /debug/steps}. */
public final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) { this.server = server; }

    /** Port 0 picks a free port; {@code steps} supplies the engine's step log ({@code LlmEngine::recentSteps}). */
    public static MetricsEndpoint start(String bindHost, int port, NodeMetrics metrics, Supplier<List<StepRecord>> steps) {
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname(bindHost).port(port).registry(metrics.registry())
                    .defaultHandler(new DebugSteps(steps)).buildAndStart());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + bindHost + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() { return server.getPort(); }

    @Override
    public void close() { server.close(); }
}
