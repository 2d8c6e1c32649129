package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;
import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.Communicator;
import ai.baton.engine.backend.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The NCCL communicators of one engine's tensor-parallel ranks: one per rank's GPU, all in this process (a thread per
 * rank), created together with {@code ncclCommInitAll}. A rank that fails calls {@link #abort} from its own thread,
 * which releases peers whose collectives wait for it; once every rank has stopped, {@link #recover} creates fresh
 * communicators (and makes captured decode graphs stale, since they hold the old ones), so the engine keeps serving.
 */
public final class NcclGroup implements AutoCloseable {
    private final Nccl nccl;
    private final CudaBackend[] ranks;
    private final int[] devices;
    /** Rank r's communicator; null while aborted (until recovered) or once closed. */
    private volatile MemorySegment[] comms;
    private volatile String abortedBecause;
    private volatile boolean closed;

    private NcclGroup(Nccl nccl, CudaBackend[] ranks, int[] devices) {
        this.nccl = nccl;
        this.ranks = ranks;
        this.devices = devices;
        this.comms = nccl.commInitAll(devices);
        // Decode graphs with captured all-reduces gave the right tokens on 2xH200 but left the communicators unable to
        // close, and gained nothing measurable for the llama-3.1-8b shape (4.10 vs 3.97 ms/step at batch 1), so TP
        // ranks run decode eagerly unless -Dbaton.cuda.tpGraphs=true (benchmarks may still turn graphs on per run).
        if (!Boolean.getBoolean("baton.cuda.tpGraphs")) for (CudaBackend b : ranks) b.setGraphsEnabled(false);
    }

    /** Communicators over the ranks' backends (each a CudaBackend on its own GPU), rank r on backends[r]. */
    public static NcclGroup open(List<? extends Backend> backends) {
        CudaBackend[] ranks = new CudaBackend[backends.size()];
        int[] devices = new int[ranks.length];
        for (int r = 0; r < ranks.length; r++) {
            if (!(backends.get(r) instanceof CudaBackend cb))
                throw new EngineException("NCCL tensor parallelism needs the cuda backend on every rank, rank " + r + " is " + backends.get(r).name());
            ranks[r] = cb;
            devices[r] = cb.context().ordinal;
        }
        return new NcclGroup(Nccl.get(), ranks, devices);
    }

    public int size() { return ranks.length; }

    /** NCCL's version and where it was loaded from, for logs and reports. */
    public String describe() {
        return "NCCL " + nccl.version() + " (" + nccl.library + ")";
    }

    /** Rank r's side of the group. */
    public Communicator communicator(int rank) {
        return new NcclCommunicator(this, rank);
    }

    /** Queues rank r's in-place sum all-reduce of {@code x} (fp32 or bf16, as stored) on the rank's stream. */
    void allReduce(int rank, Tensor x) {
        MemorySegment[] c = comms;
        if (c == null) throw new EngineException(closed ? "NCCL communicators are closed"
                : "NCCL communicators were aborted (" + abortedBecause + ") and not yet re-created");
        MemorySegment comm = c[rank];
        ranks[rank].collective(x, "all_reduce", (address, count, dtype, stream) -> nccl.allReduceInPlace(address, count,
                dtype == CudaTensor.DType.BF16 ? Nccl.BFLOAT16 : Nccl.FLOAT32, comm, stream));
    }

    /** Queues rank r's in-place sum all-reduce of the first {@code count} elements of {@code b} (benchmarks). */
    public void allReduce(int rank, NcclBuffer b, long count) {
        MemorySegment[] c = comms;
        if (c == null) throw new EngineException("NCCL communicators are " + (closed ? "closed" : "aborted (" + abortedBecause + ")"));
        if (b.backend != ranks[rank]) throw new IllegalArgumentException("buffer of another rank's GPU");
        if (count > b.count) throw new IllegalArgumentException(count + " elements in a buffer of " + b.count);
        CudaContext cx = b.backend.context();
        cx.bind();
        nccl.allReduceInPlace(b.memory.address, count, Nccl.BFLOAT16, c[rank], cx.streamAddress);
    }

    /**
     * Aborts every rank's unfinished collectives and frees the communicators; safe from any thread, and a no-op when
     * already aborted. Peers blocked in a collective with a failed rank are released (their results are garbage).
     */
    public synchronized void abort(String because) {
        MemorySegment[] c = comms;
        if (c == null) return;
        abortedBecause = because;   // before comms: a rank that sees null reads the reason
        comms = null;
        onEveryComm(c, "abort", m -> nccl.abort(m));
    }

    public boolean aborted() { return comms == null && !closed; }

    /**
     * After an abort, with every rank idle: waits for what the ranks' streams still hold, then creates a fresh
     * clique. Throws (leaving the group aborted) when NCCL cannot be initialised again.
     */
    public synchronized void recover() {
        if (closed || comms != null) return;
        for (CudaBackend b : ranks) {
            try {
                b.synchronize();
            } catch (RuntimeException ignored) {
                // a stream left in capture or with an aborted kernel's error: the next forward starts it afresh
            }
        }
        for (CudaBackend b : ranks) b.releaseGraphs();   // they hold the aborted communicators' resources
        MemorySegment[] fresh = nccl.commInitAll(devices);
        comms = fresh;
        abortedBecause = null;
    }

    /** Destroys the communicators (aborting one in an error state, as NCCL asks). Call with every rank idle. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        MemorySegment[] c = comms;
        comms = null;
        if (c == null) return;
        for (CudaBackend b : ranks) b.releaseGraphs();
        onEveryComm(c, "close", m -> {
            if (nccl.asyncError(m) == Nccl.SUCCESS) nccl.destroy(m);
            else nccl.abort(m);
        });
    }

    /**
     * Runs {@code op} on every communicator at once, one thread each, and waits (30 s at most). Destroy and abort are
     * intra-node collectives in NCCL: called one after another from one thread, the first waits for a peer that is
     * never reached (seen on 2xH200: rank 1 aborting both communicators in turn hung).
     */
    private static void onEveryComm(MemorySegment[] comms, String what, java.util.function.Consumer<MemorySegment> op) {
        List<Thread> threads = new ArrayList<>(comms.length);
        for (int r = 0; r < comms.length; r++) {
            MemorySegment m = comms[r];
            threads.add(Thread.ofPlatform().daemon().name("nccl-" + what + "-" + r).start(() -> op.accept(m)));
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(java.time.Duration.ofNanos(left)))
                    System.getLogger("ai.baton.engine.cuda").log(System.Logger.Level.WARNING,
                            "NCCL " + what + " of a communicator did not finish within 30 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
