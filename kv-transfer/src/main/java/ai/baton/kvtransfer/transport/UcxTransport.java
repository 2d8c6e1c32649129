package ai.baton.kvtransfer.transport;

import ai.baton.kvtransfer.PoolDescriptor;
import ai.baton.kvtransfer.TransportKind;
import ai.baton.kvtransfer.ucx.UcxConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Host to host: one UCX put per contiguous run, straight into the peer's registered pool, then a flush. */
public final class UcxTransport implements Transport {
    private final UcxConnection conn;
    private final PoolDescriptor remote;

    public UcxTransport(UcxConnection conn, PoolDescriptor remote) {
        this.conn = conn;
        this.remote = remote;
    }

    @Override
    public TransportKind kind() {
        return TransportKind.UCX;
    }

    @Override
    public CompletableFuture<Void> write(List<CopyOp> ops) {
        List<UcxConnection.Put> puts = new ArrayList<>(ops.size());
        try {
            for (CopyOp op : ops) puts.add(new UcxConnection.Put(op.src(), op.dst(), op.length(), remote.chunkFor(op.dst(), op.length())));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return conn.put(puts);
    }

    @Override
    public CompletableFuture<Void> fence() {
        return conn.flush();
    }
}
