package ai.baton.kvtransfer;

import ai.baton.kvtransfer.control.ControlMessage;
import ai.baton.kvtransfer.control.PeerLink;
import ai.baton.kvtransfer.plan.CopyRun;
import ai.baton.kvtransfer.transport.CopyOp;
import ai.baton.kvtransfer.transport.Transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Send side of one request's KV, from this TP rank to every destination rank that owns some of its heads
 * (one {@link Leg} each). A pollable state machine: BOOTSTRAPPING while the legs connect and get admitted,
 * then WAITING / TRANSFERRING as layers are handed over with {@link #sendLayer}, DONE once every leg
 * delivered every layer, FAILED at the first error (peer died, cancelled by the receiver, timeout).
 *
 * <p>Layer streaming: call {@link #sendLayer} as soon as a layer's KV is computed; the puts for it start at once
 * (after admission) and the receiver hears about it when its bytes are visible.
 */
public final class KvTransfer {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer");

    /** One destination rank. */
    final class Leg {
        final PeerDescriptor dst;
        final List<CopyRun> runs;
        final long bytesPerLayer;
        PeerLink link;
        Transport transport;
        TransportKind kind;
        boolean beginSent;
        boolean accepted;
        boolean stopped;
        boolean cancelledByPeer;
        boolean doneSent;
        int inflight;
        final BitSet issued = new BitSet();
        final BitSet completed = new BitSet();

        Leg(PeerDescriptor dst, List<CopyRun> runs) {
            this.dst = dst;
            this.runs = runs;
            long b = 0;
            for (CopyRun r : runs) b += r.length();
            this.bytesPerLayer = 2 * b; // K and V
        }

        long transferId() {
            return dst.transferId();
        }

        boolean isStopped() {
            synchronized (KvTransfer.this) {
                return stopped || state.isFinal();
            }
        }
    }

    private final KvAgent agent;
    private final KvPool src;
    private final int numLayers;
    private final List<Leg> legs;
    private final long deadline;
    private final BitSet requested = new BitSet();
    private final CompletableFuture<KvTransfer> completion = new CompletableFuture<>();
    private final String label;
    private TransferState state = TransferState.BOOTSTRAPPING;
    private String failure;

    KvTransfer(KvAgent agent, KvPool src, List<Leg> legs, long deadline, String label) {
        this.agent = agent;
        this.src = src;
        this.numLayers = src.layout().numLayers();
        this.legs = legs;
        this.deadline = deadline;
        this.label = label;
    }

    Leg newLeg(PeerDescriptor dst, List<CopyRun> runs) {
        return new Leg(dst, runs);
    }

    List<Leg> legs() {
        return legs;
    }

    KvPool source() {
        return src;
    }

    public int numLayers() {
        return numLayers;
    }

    /** Poll: the current state. */
    public synchronized TransferState state() {
        return state;
    }

    public synchronized String failure() {
        return failure;
    }

    public synchronized boolean isDone() {
        return state == TransferState.DONE;
    }

    /** Transports in use, one per destination leg (null entries while bootstrapping). */
    public synchronized List<TransportKind> transports() {
        List<TransportKind> out = new ArrayList<>();
        for (Leg l : legs) out.add(l.kind);
        return out;
    }

    /** Layers delivered to every destination. */
    public synchronized BitSet completedLayers() {
        BitSet b = new BitSet();
        b.set(0, numLayers);
        for (Leg l : legs) b.and(l.completed);
        return b;
    }

    /** Bytes per layer this rank moves (all legs, K and V). */
    public long bytesPerLayer() {
        long b = 0;
        for (Leg l : legs) b += l.bytesPerLayer;
        return b;
    }

    public CompletableFuture<KvTransfer> completion() {
        return completion;
    }

    /** Hands over one computed layer; its puts start as soon as the destinations admitted the transfer. */
    public void sendLayer(int layer) {
        if (layer < 0 || layer >= numLayers) throw new IllegalArgumentException("layer " + layer + " outside 0.." + (numLayers - 1));
        synchronized (this) {
            if (state.isFinal()) return;
            requested.set(layer);
            pump();
        }
    }

    public void sendAllLayers() {
        synchronized (this) {
            if (state.isFinal()) return;
            requested.set(0, numLayers);
            pump();
        }
    }

    /** Blocks until done; throws {@link KvTransferException} on failure or timeout. */
    public KvTransfer await(Duration timeout) {
        try {
            return completion.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KvTransferException k ? k : new KvTransferException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new KvTransferException("transfer " + label + " not done in " + timeout + " (state " + state() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvTransferException("interrupted");
        }
    }

    /** Stops the transfer; the receivers are told and free their blocks. */
    public void cancel(String reason) {
        fail("cancelled: " + reason);
    }

    // ---- driven by the agent ----

    /** Bootstrapping of one leg finished: link up, transport chosen; now ask the receiver to admit us. */
    void legConnected(Leg leg, PeerLink link, TransportKind kind, Transport transport) {
        synchronized (this) {
            leg.link = link;
            leg.kind = kind;
            leg.transport = transport;
            if (state.isFinal()) return;
            leg.beginSent = true;
        }
        KvPoolLayout l = src.layout();
        link.send(new ControlMessage.Begin(leg.transferId(), l.tpRank(), l.tpSize(), numLayers, kind.ordinal()));
    }

    void onAccept(Leg leg) {
        synchronized (this) {
            if (leg.stopped || state.isFinal()) return;
            leg.accepted = true;
            updateState();
            pump();
        }
    }

    void onCancel(Leg leg, String reason) {
        synchronized (this) {
            leg.cancelledByPeer = true;
        }
        fail("cancelled by " + leg.dst.agent().name() + ": " + reason);
    }

    void onLinkDown(Leg leg, String reason) {
        synchronized (this) {
            if (leg.doneSent) return;
            leg.stopped = true; // nobody to tell
        }
        fail("peer " + leg.dst.agent().name() + " lost: " + reason);
    }

    void checkTimers(long now) {
        boolean late;
        synchronized (this) {
            late = !state.isFinal() && now - deadline > 0;
        }
        if (late) fail("timed out");
    }

    void fail(String reason) {
        List<Leg> toStop = new ArrayList<>();
        synchronized (this) {
            if (state.isFinal()) return;
            state = TransferState.FAILED;
            failure = reason;
            for (Leg l : legs) {
                if (!l.stopped && !l.doneSent) toStop.add(l);
                l.stopped = true;
            }
        }
        LOG.log(System.Logger.Level.INFO, "transfer {0} failed: {1}", label, reason);
        for (Leg l : toStop) stop(l);
        agent.metrics().inc(firstKind(), KvMetrics.Counter.TRANSFERS_FAILED);
        agent.outboundFinished(this);
        completion.completeExceptionally(new KvTransferException("transfer " + label + " failed: " + reason));
    }

    /** Waits until nothing of ours is in flight towards the leg's peer, then tells it we stopped. */
    private void stop(Leg l) {
        PeerLink link;
        Transport t;
        boolean ack;
        synchronized (this) {
            if (!l.beginSent || l.link == null || l.link.isDown()) return;
            link = l.link;
            t = l.transport;
            ack = l.cancelledByPeer;
        }
        long id = l.transferId();
        int rank = src.layout().tpRank();
        String reason = failure();
        t.fence().whenComplete((v, ex) -> link.send(ack ? new ControlMessage.CancelAck(id, rank) : new ControlMessage.Abort(id, rank, reason)));
    }

    /** Starts the writes that are requested and not yet issued, in layer order. Caller holds the lock. */
    private void pump() {
        for (Leg leg : legs) {
            if (!leg.accepted || leg.stopped) continue;
            for (int layer = requested.nextSetBit(0); layer >= 0; layer = requested.nextSetBit(layer + 1)) {
                if (leg.issued.get(layer)) continue;
                leg.issued.set(layer);
                leg.inflight++;
                final int ly = layer;
                leg.transport.write(ops(leg, layer)).whenComplete((v, ex) -> written(leg, ly, ex));
            }
        }
        updateState();
    }

    private List<CopyOp> ops(Leg leg, int layer) {
        List<CopyOp> ops = new ArrayList<>(leg.runs.size() * 2);
        PoolDescriptor d = leg.dst.pool();
        for (int kv = 0; kv < 2; kv++) {
            boolean isK = kv == 0;
            long s = src.regionAddress(layer, isK);
            long t = d.regionBase(layer, isK);
            for (CopyRun r : leg.runs) ops.add(new CopyOp(s + r.srcOffset(), t + r.dstOffset(), r.length()));
        }
        return ops;
    }

    private void written(Leg leg, int layer, Throwable ex) {
        boolean allDone = false;
        synchronized (this) {
            leg.inflight--;
            if (leg.stopped || state.isFinal()) {
                updateState();
                return;
            }
            if (ex == null) {
                leg.completed.set(layer);
                leg.link.send(new ControlMessage.Layer(leg.transferId(), src.layout().tpRank(), layer, leg.bytesPerLayer));
                if (leg.completed.cardinality() == numLayers) {
                    leg.link.send(new ControlMessage.Done(leg.transferId(), src.layout().tpRank()));
                    leg.doneSent = true;
                    allDone = legs.stream().allMatch(l -> l.doneSent);
                    if (allDone) state = TransferState.DONE;
                }
                updateState();
            }
        }
        if (ex != null) {
            fail("write to " + leg.dst.agent().name() + " failed: " + rootMessage(ex));
            return;
        }
        agent.metrics().add(leg.kind, KvMetrics.Counter.BYTES_SENT, leg.bytesPerLayer);
        agent.metrics().inc(leg.kind, KvMetrics.Counter.LAYERS_SENT);
        if (allDone) finishOk();
    }

    /** A transfer with nothing to send (this rank's heads go nowhere) is done at once. */
    void finishIfEmpty() {
        synchronized (this) {
            if (!legs.isEmpty() || state.isFinal()) return;
            state = TransferState.DONE;
        }
        finishOk();
    }

    private void finishOk() {
        agent.metrics().inc(firstKind(), KvMetrics.Counter.TRANSFERS_DONE);
        agent.outboundFinished(this);
        completion.complete(this);
    }

    private void updateState() {
        if (state.isFinal()) return;
        boolean boot = false, busy = false;
        for (Leg l : legs) {
            if (!l.accepted) boot = true;
            if (l.inflight > 0) busy = true;
        }
        state = busy ? TransferState.TRANSFERRING : boot ? TransferState.BOOTSTRAPPING : TransferState.WAITING;
    }

    private synchronized TransportKind firstKind() {
        for (Leg l : legs) if (l.kind != null) return l.kind;
        return TransportKind.UCX;
    }

    static String rootMessage(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    @Override
    public synchronized String toString() {
        return "KvTransfer[" + label + " " + state + " legs=" + legs.size() + "]";
    }
}
