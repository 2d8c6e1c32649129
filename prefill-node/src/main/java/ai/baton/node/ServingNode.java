package ai.baton.node;

import ai.baton.engine.LlmEngine;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;

/** What {@link NodeRunner} needs of a started prefill or decode node. */
public interface ServingNode extends AutoCloseable {
    /** The gRPC port (-1 in process). */
    int port();

    LlmEngine engine();

    NodeMetrics metrics();

    /** The load report the registry heartbeat carries. */
    NodeStats stats();

    /** This node as the registry sees it, reachable at {@code address} (host:port). */
    NodeInfo info(String address);

    /** Stops serving, waiting up to {@code graceMillis} for calls in flight, then frees every block and closes. */
    void shutdown(long graceMillis);

    @Override
    default void close() { shutdown(0); }
}
