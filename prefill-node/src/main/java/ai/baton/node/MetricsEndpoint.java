package ai.baton.node;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Serves a node's metrics at {@code http://host:port/metrics}. */
public final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) { this.server = server; }

    /** Port 0 picks a free port. */
    public static MetricsEndpoint start(String bindHost, int port, NodeMetrics metrics) {
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname(bindHost).port(port).registry(metrics.registry()).buildAndStart());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + bindHost + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() { return server.getPort(); }

    @Override
    public void close() { server.close(); }
}
