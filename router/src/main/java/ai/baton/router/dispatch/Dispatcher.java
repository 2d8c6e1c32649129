package ai.baton.router.dispatch;

import ai.baton.proto.Role;
import ai.baton.router.api.ApiException;
import ai.baton.router.metrics.RouterMetrics;
import ai.baton.router.registry.NodeRegistry;
import ai.baton.router.routing.RoutePlanner;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs requests through the cluster: each becomes an {@link Exchange}, a small state machine over async gRPC calls
 * (Reserve on the decode node, Prefill on the prefill node, then Generate streamed back), so no thread waits on a
 * node.
 */
public final class Dispatcher {
    final NodeRegistry registry;
    final RoutePlanner planner;
    final RouterMetrics metrics;
    final DispatchConfig config;
    final ScheduledExecutorService timers;
    final AtomicInteger waiting = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final PriorityWaiters priorityWaiters = new PriorityWaiters();

    public Dispatcher(NodeRegistry registry, RoutePlanner planner, RouterMetrics metrics, DispatchConfig config,
                      ScheduledExecutorService timers) {
        this.registry = registry;
        this.planner = planner;
        this.metrics = metrics;
        this.config = config;
        this.timers = timers;
    }

    /**
     * Starts a request. Throws a 503 ApiException at once when no decode node is registered or too many requests
     * already wait, and a 400 for a nonzero priority that the nodes do not schedule by; other failures reach the sink.
     */
    public Exchange submit(GenRequest request, TokenSink sink) {
        if (registry.healthy(Role.DECODE).isEmpty()) {
            throw ApiException.overloaded(registry.count(Role.DECODE) == 0
                    ? "No decode node is registered yet; retry shortly." : "No decode node is healthy; retry shortly.");
        }
        if (waiting.get() >= config.maxWaiting()) {
            throw ApiException.overloaded("The server is overloaded (" + waiting.get() + " requests waiting); retry shortly.");
        }
        int priority = request.sampling().getPriority();
        if (priority != 0 && !registry.schedulesByPriority()) {
            throw ApiException.badRequest("'priority' is " + priority + ", but this cluster's nodes serve requests first come,"
                    + " first served; start them with --scheduling-policy priority to use priorities.", "priority");
        }
        Exchange e = new Exchange(this, request, sink);
        e.start();
        return e;
    }

    /** Requests waiting at the router for KV room. */
    public int waiting() { return waiting.get(); }

    /** Requests being served (planned, prefilling or decoding). */
    public int running() { return running.get(); }
}
