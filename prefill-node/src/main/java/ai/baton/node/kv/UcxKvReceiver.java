package ai.baton.node.kv;

import ai.baton.engine.LlmEngine;
import ai.baton.kvtransfer.InboundTransfer;
import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.kvtransfer.KvPool;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decode node's KV receiver over kv-transfer: one agent (UCX worker + control listener) for the process, the
 * engine's per-rank caches registered as pools, and per request one inbound transfer (with its own lease) per rank.
 */
public final class UcxKvReceiver implements KvReceiver {
    private final KvAgent agent;
    private final List<KvPool> pools;
    // Transfer ids are per agent; a random start keeps a restarted node from accepting a stale sender.
    private final AtomicLong nextId = new AtomicLong(new SecureRandom().nextLong() >>> 8);

    /** Opens an agent with {@code config} and registers the engine's existing caches (see {@link KvEngine} for the faster way); the receiver owns the agent. */
    public static UcxKvReceiver open(KvAgentConfig config, LlmEngine engine) {
        KvAgent agent = KvAgent.create(config);
        try {
            return new UcxKvReceiver(agent, EngineKvPools.register(agent, engine));
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /** Over pools already registered with {@code agent}; takes ownership of the agent. */
    UcxKvReceiver(KvAgent agent, List<KvPool> pools) {
        this.agent = agent;
        this.pools = pools;
    }

    public KvAgent agent() { return agent; }

    @Override
    public Inbound expect(String requestId, int[] blocks) {
        long base = nextId.getAndAdd(pools.size());
        List<InboundTransfer> ranks = new ArrayList<>();
        List<CompletableFuture<Void>> settled = new ArrayList<>();
        try {
            for (int r = 0; r < pools.size(); r++) {
                // A rank's blocks are free to reuse once its lease is released (no sender can write any more) or
                // committed (every layer landed).
                CompletableFuture<Void> quiet = new CompletableFuture<>();
                InboundTransfer in = agent.expectTransfer(pools.get(r), base + r, blocks, lease -> quiet.complete(null));
                in.completion().whenComplete((v, e) -> { if (e == null) quiet.complete(null); });
                ranks.add(in);
                settled.add(quiet);
            }
        } catch (RuntimeException e) {
            for (InboundTransfer in : ranks) in.cancel("reservation failed: " + e.getMessage());
            throw e;
        }
        return new In(ranks, settled);
    }

    private static final class In implements Inbound {
        private final List<InboundTransfer> ranks;
        private final List<CompletableFuture<Void>> settled;
        private final CompletableFuture<Void> landed = new CompletableFuture<>();

        In(List<InboundTransfer> ranks, List<CompletableFuture<Void>> settled) {
            this.ranks = ranks;
            this.settled = settled;
            CompletableFuture<?>[] all = ranks.stream().map(InboundTransfer::completion).toArray(CompletableFuture[]::new);
            // Fail as soon as one rank fails (the others may only notice at their lease's end).
            for (CompletableFuture<?> f : all) f.whenComplete((v, e) -> { if (e != null) landed.completeExceptionally(e); });
            CompletableFuture.allOf(all).whenComplete((v, e) -> { if (e == null) landed.complete(null); });
        }

        @Override
        public List<byte[]> rankDescriptors() {
            return ranks.stream().map(in -> in.descriptor().toBytes()).toList();
        }

        @Override public CompletableFuture<Void> landed() { return landed; }

        @Override
        public CompletableFuture<Void> cancel(String reason) {
            for (InboundTransfer in : ranks) in.cancel(reason);
            return CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new));
        }
    }

    /** Leases still held by kv-transfer (0 when no transfer is pending). */
    public int heldLeases() { return agent.heldLeases(); }

    @Override
    public void close() {
        agent.close(); // fails pending transfers, releases their leases, closes pools and UCX
    }
}
