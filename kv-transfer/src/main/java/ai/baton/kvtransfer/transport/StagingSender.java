package ai.baton.kvtransfer.transport;

import ai.baton.kvtransfer.KvTransferException;
import ai.baton.kvtransfer.ucx.UcxConnection;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

/**
 * Send side of staging towards one peer agent: one pipeline thread (writes to a peer run in order), the
 * send-staging buffer (pinned, UCX-registered host memory, allocated on first use from a device source) and
 * the slot grants that arrive from the peer's staging ring.
 */
public final class StagingSender implements AutoCloseable {

    /** Pinned, UCX-registered host memory for device-to-host copies before the puts. */
    public record Buffer(long address, long length) {}

    private record Key(long transferId, int srcRank) {}

    private final String peerName;
    private final UcxConnection conn;
    private final LongFunction<Buffer> allocate;
    private final long stagingBytes;
    private final ExecutorService exec;
    private final Map<Key, LinkedBlockingQueue<Integer>> grants = new ConcurrentHashMap<>();
    private volatile Buffer buffer;
    private volatile boolean closed;

    /**
     * @param allocate allocates (and pins, registers) send-staging memory of the given size; called once, lazily
     */
    public StagingSender(String peerName, UcxConnection conn, long stagingBytes, LongFunction<Buffer> allocate) {
        this.peerName = peerName;
        this.conn = conn;
        this.stagingBytes = stagingBytes;
        this.allocate = allocate;
        this.exec = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("kv-stage-" + peerName).unstarted(r));
    }

    public UcxConnection connection() {
        return conn;
    }

    String peerName() {
        return peerName;
    }

    synchronized Buffer buffer() {
        if (buffer == null) buffer = allocate.apply(stagingBytes);
        return buffer;
    }

    <T> CompletableFuture<T> submit(java.util.function.Supplier<T> job) {
        return CompletableFuture.supplyAsync(job, exec);
    }

    /** A grant arrived from the peer's ring. */
    public void onGrant(long transferId, int srcRank, int slot) {
        grants.computeIfAbsent(new Key(transferId, srcRank), k -> new LinkedBlockingQueue<>()).add(slot);
    }

    int awaitGrant(long transferId, int srcRank, BooleanSupplier aborted, long timeoutNanos) {
        LinkedBlockingQueue<Integer> q = grants.computeIfAbsent(new Key(transferId, srcRank), k -> new LinkedBlockingQueue<>());
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (true) {
                Integer slot = q.poll(50, TimeUnit.MILLISECONDS);
                if (slot != null) return slot;
                if (closed || aborted.getAsBoolean()) throw new KvTransferException("staging to " + peerName + " stopped");
                if (System.nanoTime() > deadline) throw new KvTransferException("no staging slot from " + peerName + " in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvTransferException("interrupted waiting for a staging slot");
        }
    }

    /** Grants received but not used (the caller returns them to the peer). */
    Integer pollGrant(long transferId, int srcRank) {
        LinkedBlockingQueue<Integer> q = grants.get(new Key(transferId, srcRank));
        return q == null ? null : q.poll();
    }

    public void forget(long transferId, int srcRank) {
        grants.remove(new Key(transferId, srcRank));
    }

    /** Waits for a future while checking that the transfer is still alive (a dead peer may never answer). */
    static <T> T await(CompletableFuture<T> f, BooleanSupplier aborted, String what) {
        while (true) {
            try {
                return f.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (aborted.getAsBoolean()) throw new KvTransferException(what + " abandoned: transfer stopped");
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof KvTransferException k ? k : new KvTransferException(what + " failed: " + c, c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvTransferException("interrupted during " + what);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        exec.shutdownNow();
    }
}
