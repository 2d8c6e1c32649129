package ai.baton.router.registry;

import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.Role;
import ai.baton.router.routing.PrefixTree;
import io.grpc.ManagedChannel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One registered node as the router sees it: what it said about itself, its last load report, its health, the
 * router's own count of work sent there (fresher than any report), its gRPC channel and its approximate prefix tree.
 */
public final class NodeHandle {
    private final NodeInfo info;
    private final ManagedChannel channel;
    private final PrefixTree tree;
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicInteger activeBlocks = new AtomicInteger();
    private volatile NodeStats stats;
    private volatile boolean healthy = true;
    private volatile int failures;
    private volatile long lastOkNanos;
    private volatile long lastHeartbeatNanos;

    NodeHandle(NodeInfo info, ManagedChannel channel, long maxTreeTokens, long nowNanos) {
        this.info = info;
        this.channel = channel;
        // What the node can still serve from cache: its KV blocks, and the host tier's behind them.
        long capacity = ((long) info.getKvBlocksTotal() + info.getOffloadBlocksTotal()) * Math.max(1, info.getBlockSize());
        this.tree = new PrefixTree(capacity > 0 ? capacity : maxTreeTokens);
        this.stats = NodeStats.newBuilder().setKvBlocksTotal(info.getKvBlocksTotal()).build();
        this.lastOkNanos = nowNanos;
        this.lastHeartbeatNanos = nowNanos;
    }

    public String id() { return info.getNodeId(); }

    public Role role() { return info.getRole(); }

    public NodeInfo info() { return info; }

    public String address() { return info.getAddress(); }

    public ManagedChannel channel() { return channel; }

    public PrefillServiceGrpc.PrefillServiceStub prefill() { return PrefillServiceGrpc.newStub(channel); }

    public DecodeServiceGrpc.DecodeServiceStub decode() { return DecodeServiceGrpc.newStub(channel); }

    public PrefixTree tree() { return tree; }

    public NodeStats stats() { return stats; }

    public boolean healthy() { return healthy; }

    /** Requests the router has on this node right now, in any phase. */
    public int inflight() { return inflight.get(); }

    /** KV blocks the router's active requests on this node may grow to (prompt + max tokens each). */
    public int activeBlocks() { return activeBlocks.get(); }

    public int blockSize() { return Math.max(1, info.getBlockSize()); }

    public int blocksFor(int tokens) { return (tokens + blockSize() - 1) / blockSize(); }

    /** Load used to balance prefill nodes: the router's in-flight count plus what the node says is queued. */
    public int prefillLoad() { return inflight.get() + Math.max(0, stats.getWaiting()); }

    /** Blocks probably free: total less the larger of the reported use and the router's own upper bound. */
    public int estimatedFreeBlocks() {
        NodeStats s = stats;
        int total = s.getKvBlocksTotal() > 0 ? s.getKvBlocksTotal() : info.getKvBlocksTotal();
        int reported = s.getKvBlocksUsed() + s.getKvBlocksReserved();
        return total - Math.max(reported, activeBlocks.get());
    }

    public void acquire(int blocks) {
        inflight.incrementAndGet();
        activeBlocks.addAndGet(blocks);
    }

    public void release(int blocks) {
        inflight.decrementAndGet();
        activeBlocks.addAndGet(-blocks);
    }

    void updateStats(NodeStats s) { this.stats = s; }

    void heartbeat(NodeStats s, long now) {
        this.stats = s;
        this.lastHeartbeatNanos = now;
    }

    /** A successful probe; returns true when this re-admits a node that had been marked down. */
    boolean probeOk(long now) {
        failures = 0;
        lastOkNanos = now;
        boolean readmit = !healthy;
        healthy = true;
        return readmit;
    }

    /** A failed probe; returns true when this one marks the node down. */
    boolean probeFailed(int threshold) {
        int f = ++failures;
        if (healthy && f >= threshold) {
            healthy = false;
            return true;
        }
        return false;
    }

    /** Takes the node out of routing at once (the transport said it is unreachable); probes re-admit it. */
    public void markDown() {
        healthy = false;
    }

    long lastOkNanos() { return lastOkNanos; }

    long lastHeartbeatNanos() { return lastHeartbeatNanos; }

    void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(1, TimeUnit.SECONDS)) channel.shutdownNow();
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() { return info.getNodeId() + "(" + info.getRole() + "@" + info.getAddress() + ")"; }
}
