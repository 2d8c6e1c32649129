package ai.baton.node;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A node's gRPC server: handlers run on virtual threads (they may block on the engine or on a transfer), and
 * clients may keep connections alive with pings (the router holds long token streams).
 */
public final class GrpcServers implements AutoCloseable {
    private final Server server;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();

    /** Listens on {@code bindHost:port} (port 0: any free port). */
    public static ServerBuilder<?> forPort(String bindHost, int port) {
        return NettyServerBuilder.forAddress(new InetSocketAddress(bindHost, port))
                .permitKeepAliveTime(5, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true);
    }

    public GrpcServers(ServerBuilder<?> builder, BindableService... services) {
        builder.executor(handlers);
        for (BindableService s : services) builder.addService(s);
        try {
            server = builder.build().start();
        } catch (IOException e) {
            handlers.shutdownNow();
            throw new UncheckedIOException("cannot start the gRPC server: " + e.getMessage(), e);
        }
    }

    /** The bound port, or -1 for an in-process server. */
    public int port() { return server.getPort(); }

    /** Stops taking calls; calls in flight get {@code grace} to finish, then are cancelled. */
    public void shutdown(long graceMillis) {
        server.shutdown();
        try {
            if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        handlers.shutdownNow();
    }

    @Override
    public void close() { shutdown(0); }
}
