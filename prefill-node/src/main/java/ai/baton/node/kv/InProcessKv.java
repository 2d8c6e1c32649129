package ai.baton.node.kv;

import ai.baton.engine.LlmEngine;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.kvtransfer.plan.HeadSlicePlanner;
import ai.baton.kvtransfer.plan.SliceRoute;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A KV handover between engines of one process, by plain memory copies (with the same TP head slicing as
 * kv-transfer). For tests of the node logic and for single-process clusters; nodes on separate processes use
 * {@link UcxKv}. Host (CPU) caches only.
 */
public final class InProcessKv {
    private final Map<Long, Receiver> receivers = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    public KvReceiver receiver(LlmEngine engine) {
        Receiver r = new Receiver(ids.incrementAndGet(), engine);
        receivers.put(r.id, r);
        return r;
    }

    public KvSender sender(LlmEngine engine) { return new Sender(engine); }

    private static List<KvCacheStorage> caches(LlmEngine engine) {
        List<KvCacheStorage> l = new ArrayList<>();
        for (int r = 0; r < engine.runner().tensorParallel(); r++) {
            KvCacheStorage c = engine.runner().kvCache(r);
            if (c.onDevice()) throw new IllegalArgumentException("in-process KV handover needs host KV caches");
            l.add(c);
        }
        return l;
    }

    private final class Receiver implements KvReceiver {
        final long id;
        final List<KvCacheStorage> caches;
        final int kvHeads;
        final Map<Long, In> inbound = new ConcurrentHashMap<>();
        volatile boolean closed;

        Receiver(long id, LlmEngine engine) {
            this.id = id;
            this.caches = caches(engine);
            this.kvHeads = engine.modelConfig().numKvHeads();
        }

        @Override
        public Inbound expect(String requestId, int[] blocks) {
            if (closed) throw new IllegalStateException("receiver closed");
            In in = new In(this, ids.incrementAndGet(), blocks.clone());
            inbound.put(in.transferId, in);
            return in;
        }

        @Override
        public void close() {
            closed = true;
            receivers.remove(id);
            for (In in : List.copyOf(inbound.values())) in.cancel("receiver closed");
        }
    }

    private static final class In implements KvReceiver.Inbound {
        final Receiver owner;
        final long transferId;
        final int[] blocks;
        final CompletableFuture<Void> landed = new CompletableFuture<>();
        String cancelled;

        In(Receiver owner, long transferId, int[] blocks) {
            this.owner = owner;
            this.transferId = transferId;
            this.blocks = blocks;
        }

        @Override
        public List<byte[]> rankDescriptors() {
            List<byte[]> out = new ArrayList<>();
            for (int r = 0; r < owner.caches.size(); r++)
                out.add(ByteBuffer.allocate(20).putLong(owner.id).putInt(r).putLong(transferId).array());
            return out;
        }

        @Override public CompletableFuture<Void> landed() { return landed; }

        @Override
        public void commit() { owner.inbound.remove(transferId); }

        @Override
        public synchronized CompletableFuture<Void> cancel(String reason) {
            // Copies run under this lock, so once it is held no sender is writing any more.
            if (cancelled == null) cancelled = reason;
            owner.inbound.remove(transferId);
            landed.completeExceptionally(new IllegalStateException("transfer cancelled: " + reason));
            return CompletableFuture.completedFuture(null);
        }
    }

    private final class Sender implements KvSender {
        final List<KvCacheStorage> caches;
        final int kvHeads;

        Sender(LlmEngine engine) {
            this.caches = caches(engine);
            this.kvHeads = engine.modelConfig().numKvHeads();
        }

        @Override
        public Outbound open(String requestId, List<byte[]> targets) {
            if (targets.isEmpty()) throw new IllegalArgumentException("no target ranks");
            List<In> dst = new ArrayList<>();
            for (byte[] t : targets) {
                ByteBuffer b = ByteBuffer.wrap(t);
                Receiver r = receivers.get(b.getLong());
                int rank = b.getInt();
                In in = r == null ? null : r.inbound.get(b.getLong());
                if (in == null || rank != dst.size()) throw new IllegalStateException("unknown KV target (receiver gone or transfer cancelled)");
                dst.add(in);
            }
            In in = dst.getFirst();
            if (in.owner.kvHeads != kvHeads || in.owner.caches.size() != targets.size())
                throw new IllegalArgumentException("KV target does not match this model");
            return new Out(this, in);
        }

        @Override
        public void close() {}
    }

    private static final class Out implements KvSender.Outbound {
        final Sender src;
        final In dst;
        final int expectedPushes;
        final CompletableFuture<Long> done = new CompletableFuture<>();
        int pushes;
        long bytes;

        Out(Sender src, In dst) {
            this.src = src;
            this.dst = dst;
            this.expectedPushes = src.caches.size() * src.caches.getFirst().layout().numLayers();
        }

        @Override
        public void pushLayer(int rank, int layer, int[] blocks) {
            synchronized (dst) {
                if (done.isDone()) return;
                if (dst.cancelled != null) {
                    done.completeExceptionally(new IllegalStateException("receiver cancelled the transfer: " + dst.cancelled));
                    return;
                }
                if (blocks.length > dst.blocks.length) {
                    fail("the request needs " + blocks.length + " blocks but only " + dst.blocks.length + " are reserved");
                    return;
                }
                KvCacheStorage from = src.caches.get(rank);
                int srcTp = src.caches.size(), dstTp = dst.owner.caches.size();
                for (SliceRoute route : HeadSlicePlanner.routesFrom(src.kvHeads, srcTp, dstTp, rank)) {
                    KvCacheStorage to = dst.owner.caches.get(route.dstRank());
                    bytes += copy(from.keys(layer), from.layout(), to.keys(layer), to.layout(), route, blocks, dst.blocks);
                    bytes += copy(from.values(layer), from.layout(), to.values(layer), to.layout(), route, blocks, dst.blocks);
                }
                if (++pushes == expectedPushes) {
                    dst.landed.complete(null);
                    done.complete(bytes);
                }
            }
        }

        private static long copy(MemorySegment from, KvLayout fl, MemorySegment to, KvLayout tl, SliceRoute route,
                                 int[] srcBlocks, int[] dstBlocks) {
            long tokenHead = (long) fl.headDim() * fl.elementBytes();
            long len = route.numHeads() * fl.blockSize() * tokenHead;
            for (int i = 0; i < srcBlocks.length; i++) {
                long so = ((long) srcBlocks[i] * fl.kvHeads() + route.srcLocalHead()) * fl.blockSize() * tokenHead;
                long d0 = ((long) dstBlocks[i] * tl.kvHeads() + route.dstLocalHead()) * tl.blockSize() * tokenHead;
                MemorySegment.copy(from, so, to, d0, len);
            }
            return len * srcBlocks.length;
        }

        private void fail(String why) {
            done.completeExceptionally(new IllegalStateException(why));
            dst.landed.completeExceptionally(new IllegalStateException(why));
        }

        @Override public CompletableFuture<Long> done() { return done; }

        @Override public String transport() { return "in-process"; }

        @Override
        public void abort(String reason) {
            synchronized (dst) {
                if (done.isDone()) return;
                fail("sender aborted: " + reason);
            }
        }
    }
}
