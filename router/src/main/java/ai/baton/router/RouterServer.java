package ai.baton.router;

import ai.baton.router.api.HttpApi;
import ai.baton.router.api.RequestParser;
import ai.baton.router.api.ServedModel;
import ai.baton.router.dispatch.DispatchConfig;
import ai.baton.router.dispatch.Dispatcher;
import ai.baton.router.metrics.RouterMetrics;
import ai.baton.router.registry.ChannelFactory;
import ai.baton.router.registry.HealthChecker;
import ai.baton.router.registry.NodeRegistry;
import ai.baton.router.registry.RegistryGrpcService;
import ai.baton.router.registry.Ticker;
import ai.baton.router.routing.RoutePlanner;
import ai.baton.router.routing.RoutingConfig;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The router process: the HTTP front door (Vert.x), the gRPC registry nodes register with, health checks, routing
 * and dispatch. Built with a {@link Builder} so tests run it in-process with in-process gRPC (example 7 of the
 * design guide).
 */
public final class RouterServer implements AutoCloseable {
    private final Builder b;
    private Vertx vertx;
    private HttpServer http;
    private Server grpc;
    private NodeRegistry registry;
    private RouterMetrics metrics;
    private Dispatcher dispatcher;
    private ScheduledExecutorService timers;

    private RouterServer(Builder b) {
        this.b = b;
    }

    public static Builder builder(ServedModel model) { return new Builder(model); }

    public static final class Builder {
        private final ServedModel model;
        private String host = "0.0.0.0";
        private int httpPort = 8000;
        private ServerBuilder<?> grpcServer;
        private int grpcPort = 50051;
        private ChannelFactory channels = ChannelFactory.plaintext();
        private RoutingConfig routing = RoutingConfig.defaults();
        private DispatchConfig dispatch = DispatchConfig.defaults();
        private long healthIntervalMs = 1000;
        private int healthFailThreshold = 3;
        private long removeAfterMs = 60_000;
        private long heartbeatIntervalMs = 1000;
        private int defaultMaxTokens = 256;
        private String reasoningParser = "none";
        private String apiKey;
        private Ticker ticker = Ticker.system();

        private Builder(ServedModel model) { this.model = model; }

        public Builder host(String h) { host = h; return this; }
        public Builder httpPort(int p) { httpPort = p; return this; }
        /** The registry's gRPC port (0 = any free port). */
        public Builder grpcPort(int p) { grpcPort = p; return this; }
        /** Replaces the registry's gRPC server (e.g. an in-process one); grpcPort is then ignored. */
        public Builder grpcServer(ServerBuilder<?> sb) { grpcServer = sb; return this; }
        public Builder channels(ChannelFactory f) { channels = f; return this; }
        public Builder routing(RoutingConfig r) { routing = r; return this; }
        public Builder dispatch(DispatchConfig d) { dispatch = d; return this; }
        public Builder healthIntervalMs(long ms) { healthIntervalMs = ms; return this; }
        public Builder healthFailThreshold(int n) { healthFailThreshold = n; return this; }
        public Builder removeAfterMs(long ms) { removeAfterMs = ms; return this; }
        public Builder heartbeatIntervalMs(long ms) { heartbeatIntervalMs = ms; return this; }
        public Builder defaultMaxTokens(int n) { defaultMaxTokens = n; return this; }
        /** "qwen3": chat answers' thinking goes to reasoning_content (vLLM's --reasoning-parser); "none" by default. */
        public Builder reasoningParser(String p) { reasoningParser = p; return this; }
        /** Clients must send {@code Authorization: Bearer <key>} (null or blank: open). */
        public Builder apiKey(String k) { apiKey = k == null || k.isBlank() ? null : k; return this; }
        public Builder ticker(Ticker t) { ticker = t; return this; }

        public RouterServer build() { return new RouterServer(this); }
    }

    public RouterServer start() throws IOException {
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "baton-router-timers");
            t.setDaemon(true);
            return t;
        });
        registry = new NodeRegistry(b.channels, b.ticker, b.routing.maxTreeTokens());
        metrics = new RouterMetrics(b.model.name(), registry);
        dispatcher = new Dispatcher(registry, new RoutePlanner(registry, b.routing), metrics, b.dispatch, timers);
        ServerBuilder<?> sb = b.grpcServer != null ? b.grpcServer : Grpc.newServerBuilderForPort(b.grpcPort, InsecureServerCredentials.create());
        grpc = sb.addService(new RegistryGrpcService(registry, b.heartbeatIntervalMs)).build().start();
        HealthChecker health = new HealthChecker(registry, b.healthFailThreshold, Math.max(500, b.healthIntervalMs * 2),
                TimeUnit.MILLISECONDS.toNanos(b.removeAfterMs));
        timers.scheduleWithFixedDelay(() -> {
            try {
                health.tick();
            } catch (RuntimeException e) {
                java.util.logging.Logger.getLogger(RouterServer.class.getName()).warning("health check round failed: " + e);
            }
        }, b.healthIntervalMs, b.healthIntervalMs, TimeUnit.MILLISECONDS);

        IntSupplier context = () -> {
            int n = registry.maxModelLen();
            return n > 0 ? n : b.model.maxPositionEmbeddings();
        };
        vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(Math.max(4, Runtime.getRuntime().availableProcessors())));
        RequestParser parser = new RequestParser(b.model, context, b.defaultMaxTokens, b.reasoningParser);
        HttpApi api = new HttpApi(vertx, b.model, parser, dispatcher, metrics, registry, context).apiKey(b.apiKey);
        try {
            http = vertx.createHttpServer(new HttpServerOptions().setHost(b.host).setPort(b.httpPort)
                            .setCompressionSupported(false).setIdleTimeout(0))
                    .requestHandler(api.router())
                    .listen().await();
        } catch (RuntimeException e) {
            close();
            throw new IOException("cannot listen on " + b.host + ":" + b.httpPort + ": " + e.getMessage(), e);
        }
        return this;
    }

    public int httpPort() { return http.actualPort(); }

    /** The registry's gRPC port (-1 for an in-process server). */
    public int grpcPort() { return grpc.getPort(); }

    public NodeRegistry registry() { return registry; }

    public RouterMetrics metrics() { return metrics; }

    public Dispatcher dispatcher() { return dispatcher; }

    public ServedModel model() { return b.model; }

    @Override
    public void close() {
        if (http != null) {
            try { http.close().await(); } catch (RuntimeException ignored) { }
        }
        if (vertx != null) {
            try { vertx.close().await(); } catch (RuntimeException ignored) { }
        }
        if (grpc != null) {
            grpc.shutdownNow();
            try { grpc.awaitTermination(2, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        }
        if (registry != null) registry.close();
        if (timers != null) timers.shutdownNow();
    }
}
