package ai.baton.kvtransfer;

import ai.baton.kvtransfer.control.ControlMessage;
import ai.baton.kvtransfer.control.PeerLink;
import ai.baton.kvtransfer.plan.HeadSlicePlanner;
import ai.baton.kvtransfer.transport.StagingRing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * Receive side of one request's KV: reserved destination blocks under a {@link Lease}, and which layers have
 * landed. A layer has landed once every sender rank that owns part of this rank's heads reported it (the
 * senders are known from the TP plan). On failure (sender died or aborted, lease expired, cancel) the senders
 * still writing are told to stop, and the lease is released once they confirmed, died, or a grace period passed.
 */
public final class InboundTransfer {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer");

    private static final class Source {
        final PeerLink link;
        boolean done;
        boolean finished; // no write from it can be in flight any more

        Source(PeerLink link) {
            this.link = link;
        }
    }

    private final KvAgent agent;
    private final KvPool pool;
    private final PeerDescriptor descriptor;
    private final Lease lease;
    private final int numLayers;
    private final long[] layerMask;
    private final BitSet landed = new BitSet();
    private final Map<Integer, Source> sources = new LinkedHashMap<>();
    private final List<IntConsumer> layerListeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<InboundTransfer> completion = new CompletableFuture<>();
    private TransferState state = TransferState.WAITING;
    private String failure;
    private int srcTp = -1;
    private long expectedMask;
    private long releaseDeadline = Long.MAX_VALUE;
    private long bytes;
    private TransportKind transport;
    private boolean spinning; // holds the UCX progress thread awake while senders may write

    InboundTransfer(KvAgent agent, KvPool pool, PeerDescriptor descriptor, Lease lease) {
        this.agent = agent;
        this.pool = pool;
        this.descriptor = descriptor;
        this.lease = lease;
        this.numLayers = pool.layout().numLayers();
        this.layerMask = new long[numLayers];
    }

    public long id() {
        return descriptor.transferId();
    }

    /** What to hand the sender(s): this agent's address, the pool, the transfer id and the reserved blocks. */
    public PeerDescriptor descriptor() {
        return descriptor;
    }

    public KvPool pool() {
        return pool;
    }

    public Lease lease() {
        return lease;
    }

    public synchronized TransferState state() {
        return state;
    }

    public synchronized String failure() {
        return failure;
    }

    public synchronized boolean isLayerLanded(int layer) {
        return landed.get(layer);
    }

    public synchronized BitSet landedLayers() {
        return (BitSet) landed.clone();
    }

    public synchronized long bytesReceived() {
        return bytes;
    }

    /** The transport the senders said they use (null before the first one connected). */
    public synchronized TransportKind transport() {
        return transport;
    }

    /** Completes when every layer from every sender landed; fails with the reason otherwise. */
    public CompletableFuture<InboundTransfer> completion() {
        return completion;
    }

    /** Calls {@code listener} with each layer as it lands (at once for layers already landed). */
    public void onLayerLanded(IntConsumer listener) {
        BitSet already;
        synchronized (this) {
            layerListeners.add(listener);
            already = (BitSet) landed.clone();
        }
        already.stream().forEach(listener);
    }

    /** Blocks until {@code layer} landed; throws if the transfer failed or the wait timed out. */
    public void awaitLayer(int layer, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (!landed.get(layer)) {
                if (state == TransferState.FAILED) throw new KvTransferException("transfer " + id() + " failed: " + failure);
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new KvTransferException("layer " + layer + " of transfer " + id() + " not landed in " + timeout);
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KvTransferException("interrupted");
                }
            }
        }
    }

    /** Blocks until done; throws {@link KvTransferException} on failure or timeout. */
    public InboundTransfer await(Duration timeout) {
        try {
            return completion.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KvTransferException k ? k : new KvTransferException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new KvTransferException("transfer " + id() + " not done in " + timeout + " (state " + state() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvTransferException("interrupted");
        }
    }

    /** Gives up on this transfer (e.g. the request was aborted); blocks are released once senders stopped. */
    public void cancel(String reason) {
        fail("cancelled: " + reason);
    }

    // ---- driven by the agent ----

    /** Returns null if the sender is admitted, else why not. */
    String admit(PeerLink link, ControlMessage.Begin b) {
        String error = null;
        boolean failNow = false;
        synchronized (this) {
            if (state.isFinal()) return "transfer " + id() + " already " + state + (failure != null ? ": " + failure : "");
            KvPoolLayout l = pool.layout();
            if (b.numLayers() != numLayers) {
                error = "sender has " + b.numLayers() + " layers, receiver " + numLayers;
                failNow = true;
            } else if (b.srcTp() < 1 || b.srcTp() > 64) {
                error = "unsupported sender TP " + b.srcTp();
                failNow = true;
            } else {
                if (srcTp < 0) {
                    srcTp = b.srcTp();
                    for (int s : HeadSlicePlanner.sourcesOf(l.totalKvHeads(), srcTp, l.tpSize(), l.tpRank())) expectedMask |= 1L << s;
                }
                if (b.srcTp() != srcTp) {
                    error = "sender TP " + b.srcTp() + " differs from " + srcTp;
                    failNow = true;
                } else if ((expectedMask & (1L << b.srcRank())) == 0) {
                    error = "sender rank " + b.srcRank() + " owns none of this rank's heads";
                } else if (sources.containsKey(b.srcRank())) {
                    error = "sender rank " + b.srcRank() + " already connected";
                } else {
                    sources.put(b.srcRank(), new Source(link));
                    if (!spinning) {
                        spinning = true;
                        agent.holdSpin();
                    }
                    if (b.transport() >= 0 && b.transport() < TransportKind.values().length) transport = TransportKind.values()[b.transport()];
                }
            }
        }
        if (failNow) fail(error);
        else if (error == null) agent.metrics().inc(transportOrUcx(), KvMetrics.Counter.INBOUND_STARTED);
        return error;
    }

    void onLayer(int srcRank, int layer, long n) {
        boolean newly = false;
        synchronized (this) {
            if (state.isFinal() || layer < 0 || layer >= numLayers || !sources.containsKey(srcRank)) return;
            bytes += n;
            layerMask[layer] |= 1L << srcRank;
            if (layerMask[layer] == expectedMask && !landed.get(layer)) {
                landed.set(layer);
                newly = true;
                lease.renew();
                state = TransferState.TRANSFERRING;
                notifyAll();
            }
        }
        agent.metrics().add(transportOrUcx(), KvMetrics.Counter.BYTES_RECEIVED, n);
        if (newly) {
            agent.metrics().inc(transportOrUcx(), KvMetrics.Counter.LAYERS_LANDED);
            for (IntConsumer l : layerListeners) {
                try {
                    l.accept(layer);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "layer listener failed", e);
                }
            }
        }
    }

    void onDone(int srcRank) {
        String error = null;
        boolean finished = false;
        synchronized (this) {
            Source s = sources.get(srcRank);
            if (s == null || state.isFinal()) return;
            s.done = true;
            s.finished = true;
            boolean allDone = true;
            for (int r = 0; r < 64; r++) {
                if ((expectedMask & (1L << r)) != 0) {
                    Source x = sources.get(r);
                    if (x == null || !x.done) allDone = false;
                }
            }
            if (allDone) {
                if (landed.cardinality() != numLayers) {
                    error = "senders finished but only " + landed.cardinality() + " of " + numLayers + " layers landed";
                } else {
                    state = TransferState.DONE;
                    stopSpinning();
                    lease.commit();
                    finished = true;
                    notifyAll();
                }
            }
        }
        reclaimStaging(srcRank);
        if (error != null) {
            fail(error);
        } else if (finished) {
            agent.metrics().inc(transportOrUcx(), KvMetrics.Counter.INBOUND_DONE);
            agent.metrics().inc(KvMetrics.Event.LEASES_COMMITTED);
            agent.inboundFinished(this);
            completion.complete(this);
        }
    }

    void onAbort(int srcRank, String reason) {
        markFinished(srcRank);
        fail("sender rank " + srcRank + " aborted: " + reason);
    }

    void onCancelAck(int srcRank) {
        markFinished(srcRank);
        maybeRelease();
    }

    void onLinkDown(PeerLink link, String reason) {
        List<Integer> lost = new ArrayList<>();
        synchronized (this) {
            for (var e : sources.entrySet()) {
                if (e.getValue().link == link && !e.getValue().finished) {
                    e.getValue().finished = true; // its process is gone (or cut off): no more writes from it
                    lost.add(e.getKey());
                }
            }
        }
        if (lost.isEmpty()) return;
        for (int r : lost) reclaimStaging(r);
        fail("sender " + link.remoteName() + " lost: " + reason);
    }

    /** Called by the agent's reaper with the injected clock's time. */
    void checkTimers(long now) {
        boolean expire;
        synchronized (this) {
            expire = !state.isFinal() && lease.isExpired();
        }
        if (expire) {
            agent.metrics().inc(KvMetrics.Event.LEASES_EXPIRED);
            fail("lease expired (no progress for " + agent.config().leaseDuration.toMillis() + " ms)");
        } else {
            maybeRelease();
        }
    }

    void fail(String reason) {
        List<Map.Entry<Integer, Source>> toCancel = new ArrayList<>();
        synchronized (this) {
            if (state.isFinal()) return;
            state = TransferState.FAILED;
            stopSpinning();
            failure = reason;
            releaseDeadline = agent.config().clock.getAsLong() + agent.config().cancelGrace.toNanos();
            for (var e : sources.entrySet()) if (!e.getValue().finished) toCancel.add(e);
            notifyAll();
        }
        LOG.log(System.Logger.Level.INFO, "inbound transfer {0} failed: {1}", id(), reason);
        for (var e : toCancel) e.getValue().link.send(new ControlMessage.Cancel(id(), e.getKey(), reason));
        agent.metrics().inc(transportOrUcx(), KvMetrics.Counter.INBOUND_FAILED);
        // Release first: whoever sees the failure also sees the blocks freed when no sender can still write.
        maybeRelease();
        completion.completeExceptionally(new KvTransferException("inbound transfer " + id() + " failed: " + reason));
    }

    /** Frees the blocks once no sender can still write into them (or the grace period is over). */
    void maybeRelease() {
        String reason;
        synchronized (this) {
            if (state != TransferState.FAILED || lease.state() != Lease.State.HELD) return;
            boolean quiet = sources.values().stream().allMatch(s -> s.finished);
            if (!quiet && agent.config().clock.getAsLong() - releaseDeadline < 0) return;
            reason = failure;
        }
        for (int r : new ArrayList<>(sourceRanks())) reclaimStaging(r);
        if (lease.release(reason)) agent.metrics().inc(KvMetrics.Event.LEASES_RELEASED);
        agent.inboundFinished(this);
    }

    /** Agent shutdown: no grace, the memory goes away. */
    void abandon(String reason) {
        fail(reason);
        if (lease.release(reason)) agent.metrics().inc(KvMetrics.Event.LEASES_RELEASED);
    }

    /** Caller holds the lock. */
    private void stopSpinning() {
        if (spinning) {
            spinning = false;
            agent.releaseSpin();
        }
    }

    private synchronized List<Integer> sourceRanks() {
        return new ArrayList<>(sources.keySet());
    }

    private void markFinished(int srcRank) {
        synchronized (this) {
            Source s = sources.get(srcRank);
            if (s == null) return;
            s.finished = true;
        }
        reclaimStaging(srcRank);
    }

    private void reclaimStaging(int srcRank) {
        StagingRing ring = pool.staging();
        if (ring != null) ring.reclaim(id(), srcRank);
    }

    synchronized boolean isSourceFinished(int srcRank) {
        Source s = sources.get(srcRank);
        return s == null || s.finished;
    }

    private TransportKind transportOrUcx() {
        TransportKind t;
        synchronized (this) {
            t = transport;
        }
        return t == null ? TransportKind.UCX : t;
    }

    @Override
    public synchronized String toString() {
        return "InboundTransfer[" + id() + " " + state + " landed " + landed.cardinality() + "/" + numLayers + "]";
    }
}
