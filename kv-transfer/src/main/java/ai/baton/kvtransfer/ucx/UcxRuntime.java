package ai.baton.kvtransfer.ucx;

import org.openucx.jucx.NativeLibs;
import org.openucx.jucx.UcxCallback;
import org.openucx.jucx.ucp.UcpContext;
import org.openucx.jucx.ucp.UcpEndpoint;
import org.openucx.jucx.ucp.UcpEndpointParams;
import org.openucx.jucx.ucp.UcpMemMapParams;
import org.openucx.jucx.ucp.UcpMemory;
import org.openucx.jucx.ucp.UcpParams;
import org.openucx.jucx.ucp.UcpRemoteKey;
import org.openucx.jucx.ucp.UcpRequest;
import org.openucx.jucx.ucp.UcpWorker;
import org.openucx.jucx.ucp.UcpWorkerParams;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One UCX context and worker, driven by one progress thread. jucx workers are not thread-safe, so every UCX
 * call runs on that thread: other threads submit tasks through a queue and wake the worker with
 * {@code signal()}. The thread spins while work is in flight (bandwidth) and sleeps in
 * {@code waitForEvents()} when idle (no core burnt by an idle agent).
 */
public final class UcxRuntime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer.ucx");
    private static volatile String unavailable;
    private static volatile boolean probed;

    private final String name;
    private final UcpContext context;
    private final UcpWorker worker;
    private final byte[] workerAddress;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final long spinNanos;
    private volatile boolean running = true;
    private volatile boolean sleeping;
    private volatile boolean poisoned;
    private final Object signalLock = new Object();
    private boolean destroyed; // guarded by signalLock: no signal() on a destroyed worker
    private final Map<UcpEndpoint, List<UcpRemoteKey>> endpoints = new LinkedHashMap<>();
    private final List<UcpMemory> memories = new ArrayList<>();
    private final List<UcpRequest> closing = new ArrayList<>();
    private int inFlight; // progress thread only
    private final java.util.concurrent.atomic.AtomicInteger spinHolds = new java.util.concurrent.atomic.AtomicInteger();

    /** Null when libucx and jucx load; otherwise a one-line reason. */
    public static String unavailableReason() {
        if (!probed) {
            synchronized (UcxRuntime.class) {
                if (!probed) {
                    try {
                        logToStderr();
                        NativeLibs.load();
                        new UcpParams(); // forces the JNI constants to initialise
                    } catch (Throwable t) {
                        unavailable = "UCX is not available (install libucx0: apt-get install libucx0 ucx-utils): " + t;
                    }
                    probed = true;
                }
            }
        }
        return unavailable;
    }

    /**
     * UCX logs to stdout unless told otherwise, which would corrupt machine-readable output (kv-bench --json, the
     * line protocols of child processes). libucs reads its settings when it loads, so set the variable first.
     */
    private static void logToStderr() {
        if (System.getenv("UCX_LOG_FILE") != null) return;
        try (Arena a = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            int rc = (int) setenv.invokeExact(a.allocateFrom("UCX_LOG_FILE"), a.allocateFrom("stderr"), 0);
            if (rc != 0) LOG.log(System.Logger.Level.DEBUG, "setenv UCX_LOG_FILE failed");
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.DEBUG, "cannot point UCX logs at stderr: {0}", t.toString());
        }
    }

    /**
     * @param config UCX settings without the {@code UCX_} prefix, e.g. {@code TLS=tcp}, {@code NET_DEVICES=eth0};
     *               environment variables still apply for keys not given here
     */
    public UcxRuntime(String name, Map<String, String> config, long spinNanos) {
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        this.name = name;
        this.spinNanos = spinNanos;
        UcpParams params = new UcpParams().requestRmaFeature().requestWakeupFeature();
        config.forEach(params::setConfig);
        context = new UcpContext(params);
        try {
            worker = context.newWorker(new UcpWorkerParams());
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        ByteBuffer a = worker.getAddress();
        workerAddress = new byte[a.remaining()];
        a.duplicate().get(workerAddress);
        // The worker was built on this thread; Thread.start() publishes it to the progress thread.
        thread = Thread.ofPlatform().daemon().name("kv-ucx-" + name).start(this::loop);
    }

    public byte[] workerAddress() {
        return workerAddress.clone();
    }

    public String name() {
        return name;
    }

    public boolean onProgressThread() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code r} on the progress thread. */
    public void execute(Runnable r) {
        if (!running) throw new IllegalStateException("UCX runtime " + name + " is closed");
        tasks.add(r);
        if (sleeping) wake();
    }

    private void wake() {
        synchronized (signalLock) {
            if (!destroyed) worker.signal();
        }
    }

    public <T> CompletableFuture<T> call(Callable<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (onProgressThread()) {
            try {
                f.complete(c.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
            return f;
        }
        try {
            execute(() -> {
                try {
                    f.complete(c.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    public <T> T callSync(Callable<T> c) {
        try {
            return call(c).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            throw new IllegalStateException(cause);
        } catch (Exception e) {
            throw new IllegalStateException("UCX call on " + name + " failed: " + e, e);
        }
    }

    /** Allocates memory through UCX: for host memory this is shared memory that same-host peers map directly. */
    public UcpMemory allocate(long length) {
        return callSync(() -> track(context.memoryMap(new UcpMemMapParams().allocate().setLength(length))));
    }

    public UcpMemory register(long address, long length) {
        return callSync(() -> track(context.memoryMap(new UcpMemMapParams().setAddress(address).setLength(length))));
    }

    public void release(UcpMemory m) {
        call(() -> {
            if (memories.remove(m)) m.close();
            return null;
        });
    }

    /** Bitmask of memory types this UCX build can register (bit {@code UCS_MEMORY_TYPE_CUDA} means CUDA-aware). */
    public long memoryTypesMask() {
        return callSync(context::getMemoryTypesMask);
    }

    private UcpMemory track(UcpMemory m) {
        memories.add(m);
        return m;
    }

    // ---- progress-thread-only API (used by transports from inside tasks and callbacks) ----

    UcpEndpoint newEndpoint(byte[] remoteWorker, boolean peerErrorMode, Consumer<String> onError) {
        assert onProgressThread();
        ByteBuffer addr = ByteBuffer.allocateDirect(remoteWorker.length).put(remoteWorker).flip();
        UcpEndpointParams p = new UcpEndpointParams().setUcpAddress(addr)
                .setErrorHandler((ep, status, msg) -> onError.accept(msg + " (status " + status + ")"));
        if (peerErrorMode) p.setPeerErrorHandlingMode();
        UcpEndpoint ep = worker.newEndpoint(p);
        endpoints.put(ep, new ArrayList<>());
        return ep;
    }

    UcpRemoteKey unpack(UcpEndpoint ep, byte[] rkey) {
        assert onProgressThread();
        ByteBuffer b = ByteBuffer.allocateDirect(rkey.length).put(rkey).flip();
        UcpRemoteKey k = ep.unpackRemoteKey(b);
        endpoints.get(ep).add(k);
        return k;
    }

    /** Closes an endpoint without waiting; a peer that is gone may never confirm, which {@link #close} handles. */
    void closeEndpoint(UcpEndpoint ep, boolean force) {
        assert onProgressThread();
        List<UcpRemoteKey> keys = endpoints.remove(ep);
        if (keys == null) return;
        for (UcpRemoteKey k : keys) k.close();
        try {
            closing.add(force ? ep.closeNonBlockingForce() : ep.closeNonBlockingFlush());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "endpoint close on {0}: {1}", name, e.toString());
        }
    }

    /**
     * Keeps the progress thread polling instead of sleeping, for as long as data may arrive: UCX emulates puts
     * with active messages on some paths (TCP, memory that is not UCX-allocated), and those need the target
     * worker to progress.
     */
    public void holdSpin() {
        if (spinHolds.getAndIncrement() == 0 && sleeping) wake();
    }

    public void releaseSpin() {
        spinHolds.decrementAndGet();
    }

    void opStarted() {
        inFlight++;
    }

    void opFinished() {
        inFlight--;
    }

    UcxCallback callback(Runnable onSuccess, Consumer<String> onError) {
        return new UcxCallback() {
            @Override
            public void onSuccess(UcpRequest request) {
                onSuccess.run();
            }

            @Override
            public void onError(int status, String message) {
                onError.accept(message + " (status " + status + ")");
            }
        };
    }

    /** Marks the worker unsafe to destroy (an operation to a dead peer never completed); close() then leaks it. */
    void poison(String why) {
        if (!poisoned) LOG.log(System.Logger.Level.WARNING, "UCX worker {0} will not be destroyed: {1}", name, why);
        poisoned = true;
    }

    private void loop() {
        long lastActive = System.nanoTime();
        while (running) {
            Runnable r;
            boolean worked = false;
            while ((r = tasks.poll()) != null) {
                runSafely(r);
                worked = true;
            }
            int n;
            try {
                n = worker.progress();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "UCX progress on {0}: {1}", name, t.toString());
                n = 1;
            }
            long now = System.nanoTime();
            if (n > 0 || worked || inFlight > 0 || spinHolds.get() > 0) {
                lastActive = now;
                continue;
            }
            if (now - lastActive < spinNanos) {
                Thread.onSpinWait();
                continue;
            }
            sleeping = true;
            try {
                if (tasks.isEmpty() && running) worker.waitForEvents();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "UCX wait on {0}: {1}", name, t.toString());
            } finally {
                sleeping = false;
            }
        }
        shutdown();
    }

    private void runSafely(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "UCX task on " + name + " failed", t);
        }
    }

    private void shutdown() {
        Runnable r;
        while ((r = tasks.poll()) != null) runSafely(r);
        for (UcpEndpoint ep : new ArrayList<>(endpoints.keySet())) closeEndpoint(ep, false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && closing.stream().anyMatch(q -> q != null && !q.isCompleted())) {
            try {
                worker.progress();
            } catch (Throwable ignored) {
                // a failed peer reports here; we are closing anyway
            }
        }
        if (closing.stream().anyMatch(q -> q != null && !q.isCompleted())) poison("an endpoint to a dead peer did not close");
        for (UcpMemory m : memories) m.close();
        memories.clear();
        if (poisoned) return; // destroying the worker now would abort the process inside UCX
        synchronized (signalLock) {
            destroyed = true;
        }
        worker.close();
        context.close();
    }

    @Override
    public void close() {
        if (!running) return;
        running = false;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
