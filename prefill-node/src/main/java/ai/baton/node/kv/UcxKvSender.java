package ai.baton.node.kv;

import ai.baton.engine.LlmEngine;
import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.kvtransfer.KvPool;
import ai.baton.kvtransfer.KvTransfer;
import ai.baton.kvtransfer.PeerDescriptor;
import ai.baton.kvtransfer.TransportKind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The prefill node's KV sender over kv-transfer: one agent for the process, the engine's per-rank caches registered
 * as pools. Each rank's transfer starts at that rank's first pushed layer (only then is the block table known) and
 * goes to every decode rank that owns some of its heads; kv-transfer slices heads when the TP degrees differ.
 */
public final class UcxKvSender implements KvSender {
    private final KvAgent agent;
    private final List<KvPool> pools;

    /** Opens an agent with {@code config} and registers the engine's existing caches (see {@link KvEngine} for the faster way); the sender owns the agent. */
    public static UcxKvSender open(KvAgentConfig config, LlmEngine engine) {
        KvAgent agent = KvAgent.create(config);
        try {
            return new UcxKvSender(agent, EngineKvPools.register(agent, engine));
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /** Over pools already registered with {@code agent}; takes ownership of the agent. */
    UcxKvSender(KvAgent agent, List<KvPool> pools) {
        this.agent = agent;
        this.pools = pools;
    }

    public KvAgent agent() { return agent; }

    @Override
    public Outbound open(String requestId, List<byte[]> targets) {
        List<PeerDescriptor> dsts = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            PeerDescriptor d = PeerDescriptor.fromBytes(targets.get(i)); // IllegalArgumentException when malformed
            pools.getFirst().layout().checkCompatible(d.pool().layout());
            if (d.pool().layout().tpRank() != i || d.pool().layout().tpSize() != targets.size())
                throw new IllegalArgumentException("descriptor " + i + " is for rank " + d.pool().layout().tpRank() + " of "
                        + d.pool().layout().tpSize() + ", expected rank " + i + " of " + targets.size());
            dsts.add(d);
        }
        return new Out(dsts);
    }

    private final class Out implements Outbound {
        private final List<PeerDescriptor> dsts;
        private final KvTransfer[] ranks = new KvTransfer[pools.size()];
        private final CompletableFuture<Long> done = new CompletableFuture<>();
        private int ranksDone;
        private long bytes;
        private String aborted;

        Out(List<PeerDescriptor> dsts) {
            this.dsts = dsts;
        }

        @Override
        public void pushLayer(int rank, int layer, int[] blocks) {
            KvTransfer t;
            synchronized (this) {
                if (aborted != null || done.isDone()) return;
                t = ranks[rank];
                if (t == null) {
                    t = start(rank, blocks);
                    if (t == null) return;
                }
            }
            t.sendLayer(layer);
        }

        /** Caller holds the lock. */
        private KvTransfer start(int rank, int[] blocks) {
            List<PeerDescriptor> to = new ArrayList<>(dsts.size());
            for (PeerDescriptor d : dsts) {
                if (d.blockCount() < blocks.length) {
                    fail("the prompt needs " + blocks.length + " KV blocks, the decode node reserved " + d.blockCount());
                    return null;
                }
                // The reservation also covers the tokens still to be generated: the prompt's KV fills its head.
                to.add(d.withBlocks(Arrays.copyOf(d.blocks(), blocks.length)));
            }
            KvTransfer t = agent.startTransfer(pools.get(rank), to, blocks);
            ranks[rank] = t;
            t.completion().whenComplete((v, e) -> {
                if (e != null) fail(e.getMessage());
                else rankDone(t);
            });
            return t;
        }

        private void rankDone(KvTransfer t) {
            long total;
            synchronized (this) {
                bytes += t.bytesPerLayer() * t.numLayers();
                if (++ranksDone < ranks.length) return;
                total = bytes;
            }
            done.complete(total);
        }

        private void fail(String why) {
            done.completeExceptionally(new IllegalStateException(why));
        }

        @Override public CompletableFuture<Long> done() { return done; }

        @Override
        public synchronized String transport() {
            for (KvTransfer t : ranks) {
                if (t == null) continue;
                for (TransportKind k : t.transports()) if (k != null) return k.label();
            }
            return "none";
        }

        @Override
        public void abort(String reason) {
            List<KvTransfer> started = new ArrayList<>();
            synchronized (this) {
                if (aborted != null || done.isDone()) return;
                aborted = reason;
                for (KvTransfer t : ranks) if (t != null) started.add(t);
            }
            for (KvTransfer t : started) t.cancel(reason); // the receiver is told and frees its side
            fail("aborted: " + reason);
        }
    }

    @Override
    public void close() {
        agent.close(); // fails transfers still running, closes pools and UCX
    }
}
