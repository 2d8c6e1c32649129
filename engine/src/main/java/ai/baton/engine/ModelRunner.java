package ai.baton.engine;

import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.Backends;
import ai.baton.engine.backend.Communicator;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.HostKvMemory;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.Tensor;
import ai.baton.engine.backend.cpu.LocalCommunicator;
import ai.baton.engine.backend.cuda.NcclGroup;
import ai.baton.engine.kv.KvCopy;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.model.Shard;
import ai.baton.engine.model.Transformer;
import ai.baton.engine.sampling.LogitEdits;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.engine.weights.WeightSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs forward passes over all tensor-parallel ranks of one engine: one backend, one model shard and one KV cache
 * per rank. With one rank it calls the model directly; with several, each rank runs on its own thread and they meet
 * in the communicator's all-reduces (in-process on CPU, NCCL on CUDA with rank r on GPU {@code ec.devices()[r]}).
 * Every rank computes the full logits (replicated LM head); rank 0's are returned. A rank that fails breaks the
 * collectives its peers wait in, so a step fails instead of hanging, and NCCL communicators are then re-created.
 */
public final class ModelRunner implements AutoCloseable {
    private final ModelConfig config;
    private final List<Backend> backends = new ArrayList<>();
    private final List<Transformer> ranks = new ArrayList<>();
    private final List<KvCacheStorage> caches = new ArrayList<>();
    /** One thread per rank (tp > 1): a rank always runs on the same thread, so its CUDA context stays current there. */
    private final List<ExecutorService> rankThreads = new ArrayList<>();
    private final LocalCommunicator.Group group;
    private final NcclGroup nccl;
    private final KvLayout layout;
    /** Each rank's share of the host KV offload tier (empty: no tier), and the copies due before the next forward. */
    private final List<HostKvMemory> tierMemory = new ArrayList<>();
    private List<KvCopy> pendingCopies = List.of();

    public ModelRunner(ModelConfig config, WeightSource weights, EngineConfig ec, int numBlocks) {
        this(config, weights, ec, numBlocks, ai.baton.engine.backend.KvCacheAllocator.BACKEND);
    }

    public ModelRunner(ModelConfig config, WeightSource weights, EngineConfig ec, int numBlocks,
                       ai.baton.engine.backend.KvCacheAllocator kvAllocator) {
        this.config = config;
        int tp = Math.max(1, ec.tensorParallel());
        int threads = ec.threads() > 0 ? ec.threads() : Runtime.getRuntime().availableProcessors();
        boolean cuda = "cuda".equals(ec.backend());
        int[] devices = ec.devices();
        group = tp > 1 && !cuda ? new LocalCommunicator.Group(tp) : null;
        NcclGroup g = null;
        try {
            for (int r = 0; r < tp; r++) backends.add(Backends.create(ec.backend(), Math.max(1, threads / tp), devices[r]));
            // All ranks' communicators are created together, before any weights, while the GPUs are still empty.
            if (tp > 1 && cuda) g = NcclGroup.open(backends);
            KvLayout l = null;
            for (int r = 0; r < tp; r++) {
                Shard shard = Shard.of(config, r, tp);
                Backend be = backends.get(r);
                Communicator comm = tp == 1 ? Communicator.SINGLE : cuda ? g.communicator(r) : group.rank(r);
                ranks.add(new Transformer(config, weights, be, shard, comm));
                int elementBytes = cuda ? 2 : 4;
                l = new KvLayout(config.numLayers(), numBlocks, ec.blockSize(), shard.kvHeads(), config.headDim(), elementBytes);
                caches.add(kvAllocator.allocate(r, l, be));
            }
            layout = l;
        } catch (RuntimeException e) {
            if (g != null) g.close();
            close();
            throw e;
        }
        nccl = g;
        for (int r = 0; tp > 1 && r < tp; r++) {
            String name = "tp-rank-" + r;
            rankThreads.add(Executors.newSingleThreadExecutor(task -> {
                Thread t = new Thread(task, name);
                t.setDaemon(true);
                return t;
            }));
        }
    }

    /** Gives every rank host memory for {@code slots} blocks of the KV offload tier. */
    public void enableKvOffload(int slots) {
        if (!tierMemory.isEmpty()) throw new IllegalStateException("the KV offload tier is already allocated");
        long bytes = slots * HostKvMemory.slotBytes(layout);
        try {
            for (int r = 0; r < ranks.size(); r++) {
                int rank = r;
                tierMemory.add(onRank(r, () -> backends.get(rank).allocateHostKv(bytes)));
            }
        } catch (RuntimeException e) {
            tierMemory.forEach(HostKvMemory::close);
            tierMemory.clear();
            throw e;
        }
    }

    /** Block copies to or from the offload tier, run in order on every rank before the next forward pass. */
    public void queueKvCopies(List<KvCopy> copies) {
        if (copies.isEmpty()) return;
        if (tierMemory.isEmpty()) throw new IllegalStateException("no KV offload tier");
        List<KvCopy> all = new ArrayList<>(pendingCopies);
        all.addAll(copies);
        pendingCopies = List.copyOf(all);
    }

    /** Runs the queued copies now and waits for them (before blocks are handed to a writer outside the engine). */
    public void flushKvCopies() {
        List<KvCopy> copies = takeCopies();
        if (copies.isEmpty()) return;
        for (int r = 0; r < ranks.size(); r++) {
            int rank = r;
            onRank(r, () -> {
                copyKv(rank, copies);
                backends.get(rank).synchronize();
                return null;
            });
        }
    }

    private List<KvCopy> takeCopies() {
        List<KvCopy> c = pendingCopies;
        pendingCopies = List.of();
        return c;
    }

    private void copyKv(int rank, List<KvCopy> copies) {
        if (!copies.isEmpty()) backends.get(rank).copyKvBlocks(caches.get(rank), tierMemory.get(rank), copies);
    }

    /** Runs {@code task} on rank r's thread (its CUDA context is current there), or here with one rank. */
    private <T> T onRank(int r, java.util.concurrent.Callable<T> task) {
        try {
            return rankThreads.isEmpty() ? task.call() : rankThreads.get(r).submit(task).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new EngineException(rootMessage(e), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new EngineException(rootMessage(e), e);
        }
    }

    /** Logits of the batch's logit rows, [rows * vocab] on the host. */
    public float[] forward(ForwardBatch batch) {
        return forward(batch, null);
    }

    /** As {@link #forward(ForwardBatch)}; {@code afterLayer(rank, layer)} runs once each rank's layer K/V is written. */
    public float[] forward(ForwardBatch batch, RankLayerCallback afterLayer) {
        List<KvCopy> copies = takeCopies();
        if (ranks.size() == 1) {
            Transformer m = ranks.getFirst();
            copyKv(0, copies);
            return m.backend().toHost(m.forward(batch, caches.getFirst(), afterLayer == null ? null : l -> afterLayer.after(0, l)));
        }
        return onAllRanks(batch, copies, afterLayer, (be, logits) -> be.toHost(logits));
    }

    /**
     * Runs the batch on every rank's thread and returns {@code rank0} of rank 0's logits (every rank holds the same
     * logits). The first rank to fail breaks the collectives its peers wait in, so the step fails instead of hanging.
     */
    private <T> T onAllRanks(ForwardBatch batch, List<KvCopy> copies, RankLayerCallback afterLayer,
                             java.util.function.BiFunction<Backend, Tensor, T> rank0) {
        List<Future<T>> results = new ArrayList<>();
        // The first rank to fail caused the step's failure; its peers then fail in the collectives it broke.
        AtomicReference<EngineException> firstFailure = new AtomicReference<>();
        for (int r = 0; r < ranks.size(); r++) {
            Transformer m = ranks.get(r);
            KvCacheStorage kv = caches.get(r);
            boolean first = r == 0;
            int rank = r;
            results.add(rankThreads.get(r).submit(() -> {
                try {
                    copyKv(rank, copies);
                    Tensor out = m.forward(batch, kv, afterLayer == null ? null : l -> afterLayer.after(rank, l));
                    return first ? rank0.apply(m.backend(), out) : null;
                } catch (Throwable t) {
                    firstFailure.compareAndSet(null, new EngineException("tensor-parallel forward failed: rank " + rank + ": " + rootMessage(t), t));
                    breakCollectives(firstFailure.get().getMessage());  // peers may be waiting for this rank in a collective
                    throw t;
                }
            }));
        }
        T result = null;
        boolean failed = false, interrupted = false;
        for (Future<T> f : results) {
            while (true) {
                try {
                    T v = f.get(20, TimeUnit.MILLISECONDS);
                    if (v != null) result = v;
                    break;
                } catch (TimeoutException stillRunning) {
                    // A peer that reached a CPU barrier after it was broken waits again: break until every rank is out.
                    if (firstFailure.get() != null) breakCollectives(firstFailure.get().getMessage());
                } catch (ExecutionException e) {
                    failed = true;
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;  // stop the step, but wait for the ranks: they must not outlive it
                    firstFailure.compareAndSet(null, new EngineException("tensor-parallel forward interrupted", e));
                    breakCollectives(firstFailure.get().getMessage());
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failed || interrupted) {
            EngineException failure = firstFailure.get();
            recoverCollectives(failure);
            throw failure;
        }
        return result;
    }

    /** Releases ranks waiting in a collective for a rank that failed (any thread). */
    private void breakCollectives(String because) {
        if (group != null) group.breakGroup();
        if (nccl != null) nccl.abort(because);
    }

    /** With every rank stopped after a failure: fresh NCCL communicators, so the next step can run. */
    private void recoverCollectives(RuntimeException failure) {
        if (nccl == null || !nccl.aborted()) return;
        try {
            nccl.recover();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Runs the batch and picks one token per logit row with the backend's sampler (on a GPU only the ids reach the
     * host; with several ranks, rank 0 samples its copy of the logits); {@code randomBits} drive non-greedy draws
     * (see {@link Backend#sample}), after the rows' {@code edits} (null for none).
     */
    public int[] forwardSample(ForwardBatch batch, SamplingParams[] params, long[] randomBits) {
        return forwardSample(batch, params, randomBits, null, null);
    }

    /**
     * {@link #forwardSample(ForwardBatch, SamplingParams[], long[])} with each row's edits applied first (null: none).
     * {@code edits} is asked for only once the forward pass is queued, so that they may be made meanwhile. Rows whose
     * params want logprobs get them in {@code logprobs} (when given; rank 0 samples).
     */
    public int[] forwardSample(ForwardBatch batch, SamplingParams[] params, long[] randomBits, Supplier<LogitEdits[]> edits,
                               TokenLogprobs[] logprobs) {
        List<KvCopy> copies = takeCopies();
        if (ranks.size() == 1) {
            Transformer m = ranks.getFirst();
            copyKv(0, copies);
            Tensor logits = m.forward(batch, caches.getFirst());
            return m.backend().sample(logits, params, randomBits, edits == null ? null : edits.get(), logprobs);
        }
        return onAllRanks(batch, copies, null, (be, logits) -> be.sample(logits, params, randomBits,
                edits == null ? null : edits.get(), logprobs));
    }

    @FunctionalInterface
    public interface RankLayerCallback {
        void after(int rank, int layer);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    public ModelConfig config() { return config; }

    public int tensorParallel() { return ranks.size(); }

    /** Rank r's KV cache (what kv-transfer registers). */
    public KvCacheStorage kvCache(int rank) { return caches.get(rank); }

    public KvLayout kvLayout() { return layout; }

    public Backend backend(int rank) { return backends.get(rank); }

    @Override
    public void close() {
        rankThreads.forEach(ExecutorService::shutdownNow);
        // A rank still inside a step would use what is freed below: wait for it (a step is milliseconds to seconds).
        for (ExecutorService t : rankThreads) {
            try {
                if (!t.awaitTermination(30, TimeUnit.SECONDS))
                    System.getLogger("ai.baton.engine").log(System.Logger.Level.WARNING, "a tensor-parallel rank did not stop within 30 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (nccl != null) nccl.close();   // before the backends: communicators live in their contexts
        caches.forEach(KvCacheStorage::close);
        tierMemory.forEach(HostKvMemory::close);
        ranks.forEach(Transformer::close);
        backends.forEach(Backend::close);
    }
}
