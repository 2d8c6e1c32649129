package ai.baton.kvtransfer.transport;

import ai.baton.kvtransfer.DeviceMemory;
import ai.baton.kvtransfer.KvTransferException;
import ai.baton.kvtransfer.MemoryKind;
import ai.baton.kvtransfer.PoolDescriptor;
import ai.baton.kvtransfer.RemoteChunk;
import ai.baton.kvtransfer.StagingInfo;
import ai.baton.kvtransfer.TransportKind;
import ai.baton.kvtransfer.control.ControlMessage;
import ai.baton.kvtransfer.control.PeerLink;
import ai.baton.kvtransfer.ucx.UcxConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * For device memory UCX cannot touch: device-to-host copies into pinned send-staging (when the source is a
 * device), UCX puts (into the final host addresses, or into a granted slot of the receiver's staging ring when
 * the destination is a device), and a {@code Staged} notice telling the receiver where the slot's pieces go.
 *
 * <p>Data moves in chunks through two halves of the send buffer, so the device-to-host copy of one chunk
 * overlaps the puts of the previous one.
 */
public final class StagedTransport implements Transport {
    private static final long GRANT_TIMEOUT = TimeUnit.SECONDS.toNanos(60);

    record Piece(long src, long dst, long length, long chunkOffset) {}

    private final StagingSender sender;
    private final DeviceMemory localDevice;
    private final PoolDescriptor remote;
    private final PeerLink link;
    private final long transferId;
    private final int srcRank;
    private final BooleanSupplier aborted;

    /**
     * @param localDevice the source pool's device, or null when the source is host memory
     */
    public StagedTransport(StagingSender sender, DeviceMemory localDevice, PoolDescriptor remote, PeerLink link,
                           long transferId, int srcRank, BooleanSupplier aborted) {
        this.sender = sender;
        this.localDevice = localDevice;
        this.remote = remote;
        this.link = link;
        this.transferId = transferId;
        this.srcRank = srcRank;
        this.aborted = () -> aborted.getAsBoolean() || link.isDown();
        if (remote.memory() != MemoryKind.HOST && remote.staging() == null) {
            throw new KvTransferException("peer device pool has no staging ring");
        }
    }

    @Override
    public TransportKind kind() {
        return TransportKind.STAGED;
    }

    @Override
    public CompletableFuture<Void> write(List<CopyOp> ops) {
        List<CopyOp> copy = List.copyOf(ops);
        return sender.submit(() -> {
            run(copy);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> fence() {
        // Runs after every earlier write on the pipeline thread, then flushes the endpoint.
        return sender.submit(() -> null).thenCompose(v -> sender.connection().flush());
    }

    private void run(List<CopyOp> ops) {
        boolean remoteDevice = remote.memory() != MemoryKind.HOST;
        StagingSender.Buffer buf = localDevice != null ? sender.buffer() : null;
        long cap = Long.MAX_VALUE;
        if (buf != null) cap = buf.length() / 2;
        if (remoteDevice) cap = Math.min(cap, remote.staging().slotBytes());
        if (cap == Long.MAX_VALUE) cap = 64L << 20;
        List<List<Piece>> chunks = pack(ops, cap);
        UcxConnection conn = sender.connection();
        StagingInfo ring = remote.staging();
        RemoteChunk ringChunk = remoteDevice ? new RemoteChunk(ring.base(), ring.slotBytes() * ring.slots(), ring.rkey(), null) : null;

        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] halfBusy = new CompletableFuture[] {CompletableFuture.completedFuture(null), CompletableFuture.completedFuture(null)};
        List<CompletableFuture<Void>> all = new ArrayList<>();
        int requested = 0;
        try {
            if (remoteDevice) {
                for (; requested < Math.min(2, chunks.size()); requested++) link.send(new ControlMessage.SlotRequest(transferId, srcRank));
            }
            for (int i = 0; i < chunks.size(); i++) {
                List<Piece> chunk = chunks.get(i);
                long stage = 0;
                if (buf != null) {
                    int half = i % 2;
                    StagingSender.await(halfBusy[half], aborted, "staging put");
                    stage = buf.address() + half * (buf.length() / 2);
                    List<DeviceMemory.Piece> d2h = new ArrayList<>(chunk.size());
                    for (Piece p : chunk) d2h.add(new DeviceMemory.Piece(p.src(), stage + p.chunkOffset(), p.length()));
                    localDevice.copyToHost(d2h);
                }
                int slot = -1;
                if (remoteDevice) {
                    slot = sender.awaitGrant(transferId, srcRank, aborted, GRANT_TIMEOUT);
                    if (requested < chunks.size()) {
                        link.send(new ControlMessage.SlotRequest(transferId, srcRank));
                        requested++;
                    }
                }
                List<UcxConnection.Put> puts = new ArrayList<>(chunk.size());
                for (Piece p : chunk) {
                    long src = buf != null ? stage + p.chunkOffset() : p.src();
                    if (remoteDevice) {
                        puts.add(new UcxConnection.Put(src, ring.slotAddress(slot) + p.chunkOffset(), p.length(), ringChunk));
                    } else {
                        puts.add(new UcxConnection.Put(src, p.dst(), p.length(), remote.chunkFor(p.dst(), p.length())));
                    }
                }
                CompletableFuture<Void> f = conn.put(puts);
                if (remoteDevice) {
                    ControlMessage.Staged notice = staged(slot, chunk);
                    f = f.thenRun(() -> link.send(notice));
                }
                if (buf != null) halfBusy[i % 2] = f;
                all.add(f);
            }
            StagingSender.await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)), aborted, "staged write");
        } catch (RuntimeException e) {
            returnUnusedGrants();
            throw e;
        }
    }

    private ControlMessage.Staged staged(int slot, List<Piece> chunk) {
        long[] off = new long[chunk.size()], dst = new long[chunk.size()], len = new long[chunk.size()];
        for (int j = 0; j < chunk.size(); j++) {
            off[j] = chunk.get(j).chunkOffset();
            dst[j] = chunk.get(j).dst();
            len[j] = chunk.get(j).length();
        }
        return new ControlMessage.Staged(transferId, srcRank, slot, off, dst, len);
    }

    private void returnUnusedGrants() {
        Integer slot;
        while ((slot = sender.pollGrant(transferId, srcRank)) != null) {
            link.send(new ControlMessage.Staged(transferId, srcRank, slot, new long[0], new long[0], new long[0]));
        }
    }

    /** Splits the ops into chunks of at most {@code cap} bytes, cutting ops where needed. */
    static List<List<Piece>> pack(List<CopyOp> ops, long cap) {
        List<List<Piece>> chunks = new ArrayList<>();
        List<Piece> cur = new ArrayList<>();
        long used = 0;
        for (CopyOp op : ops) {
            long done = 0;
            while (done < op.length()) {
                if (used == cap) {
                    chunks.add(cur);
                    cur = new ArrayList<>();
                    used = 0;
                }
                long n = Math.min(op.length() - done, cap - used);
                cur.add(new Piece(op.src() + done, op.dst() + done, n, used));
                used += n;
                done += n;
            }
        }
        if (!cur.isEmpty()) chunks.add(cur);
        return chunks;
    }
}
