package ai.baton.kvtransfer;

import ai.baton.kvtransfer.control.ControlMessage;
import ai.baton.kvtransfer.control.ControlServer;
import ai.baton.kvtransfer.control.PeerLink;
import ai.baton.kvtransfer.cuda.CudaDevice;
import ai.baton.kvtransfer.cuda.CudaDriver;
import ai.baton.kvtransfer.cuda.CudaIpcPeer;
import ai.baton.kvtransfer.cuda.CudaIpcTransport;
import ai.baton.kvtransfer.plan.CopyRun;
import ai.baton.kvtransfer.plan.HeadSlicePlanner;
import ai.baton.kvtransfer.plan.RunPlanner;
import ai.baton.kvtransfer.plan.SliceRoute;
import ai.baton.kvtransfer.transport.StagedTransport;
import ai.baton.kvtransfer.transport.StagingRing;
import ai.baton.kvtransfer.transport.StagingSender;
import ai.baton.kvtransfer.transport.Transport;
import ai.baton.kvtransfer.transport.UcxTransport;
import ai.baton.kvtransfer.ucx.UcxConnection;
import ai.baton.kvtransfer.ucx.UcxRuntime;
import org.openucx.jucx.ucp.UcpMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The KV transfer endpoint of one process or TP rank: a UCX context and worker (with its progress thread), a
 * control listener, the registered pools, and every transfer in and out.
 *
 * <pre>{@code
 * // decode rank: reserve blocks, describe them
 * InboundTransfer in = agent.expectTransfer(pool, requestId, blockIds, lease -> blockManager.free(lease.blocks()));
 * byte[] desc = in.descriptor().toBytes();                  // to the prefill node
 * in.onLayerLanded(layer -> ...);  in.completion().join();
 * // prefill rank: push layer by layer
 * KvTransfer t = agent.startTransfer(pool, List.of(PeerDescriptor.fromBytes(desc)), srcBlockIds);
 * for (int l = 0; l < layers; l++) { compute(l); t.sendLayer(l); }
 * t.await(Duration.ofSeconds(10));                          // or poll t.state()
 * }</pre>
 */
public final class KvAgent implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong TRANSFER_SEQ = new AtomicLong();

    private record LegKey(long remoteAgent, long transferId, int srcRank) {}

    private record IpcKey(long remoteAgent, int localDevice, String peerDevice) {}

    private final KvAgentConfig config;
    private final long id = RANDOM.nextLong();
    private final String hostId = hostId();
    private final UcxRuntime ucx;
    private final String ucxUnavailable;
    private final ControlServer server;
    private final String advertiseHost;
    private final KvMetrics metrics = new KvMetrics();
    private final Set<PeerLink> links = ConcurrentHashMap.newKeySet();
    private final Map<Long, CompletableFuture<PeerLink>> outLinks = new ConcurrentHashMap<>();
    private final Map<Long, UcxConnection> ucxConns = new ConcurrentHashMap<>();
    private final Map<Long, StagingSender> stagingSenders = new ConcurrentHashMap<>();
    private final Map<IpcKey, CudaIpcPeer> ipcPeers = new ConcurrentHashMap<>();
    private final Map<Long, InboundTransfer> inbound = new ConcurrentHashMap<>();
    private final Map<LegKey, KvTransfer.Leg> legs = new ConcurrentHashMap<>();
    private final Set<KvTransfer> outbound = ConcurrentHashMap.newKeySet();
    private final List<KvPool> pools = new CopyOnWriteArrayList<>();
    private final List<UcpMemory> stagingMemory = new CopyOnWriteArrayList<>();
    private final Set<String> loggedPairs = ConcurrentHashMap.newKeySet();
    private final Thread reaper;
    private volatile ExecutorService cudaExec;
    private volatile boolean closed;

    public static KvAgent create(KvAgentConfig config) {
        return new KvAgent(config);
    }

    /** An agent with default settings (loopback control, UCX defaults). */
    public static KvAgent create(String name) {
        return new KvAgent(KvAgentConfig.builder().name(name).build());
    }

    private KvAgent(KvAgentConfig config) {
        this.config = config;
        boolean wantUcx = config.transports.contains(TransportKind.UCX) || config.transports.contains(TransportKind.STAGED);
        String why = wantUcx ? UcxRuntime.unavailableReason() : "UCX disabled by configuration";
        UcxRuntime rt = null;
        if (why == null) rt = new UcxRuntime(config.name, config.effectiveUcxConfig(), config.spinNanos);
        ucx = rt;
        ucxUnavailable = why;
        try {
            server = new ControlServer(new InetSocketAddress(config.bindHost, config.controlPort), handler(), this::hello, links::add);
        } catch (IOException e) {
            if (ucx != null) ucx.close();
            throw new KvTransferException("cannot open the KV control listener on " + config.bindHost + ":" + config.controlPort + ": " + e.getMessage(), e);
        }
        advertiseHost = config.advertiseHost != null ? config.advertiseHost : advertised(config.bindHost);
        reaper = Thread.ofPlatform().daemon().name("kv-reaper-" + config.name).start(this::reapLoop);
        LOG.log(System.Logger.Level.INFO, "KV agent {0} up: control {1}:{2}, UCX {3}", config.name, advertiseHost,
                String.valueOf(server.port()), ucx != null ? "on " + config.effectiveUcxConfig() : "off (" + why + ")");
    }

    public String name() {
        return config.name;
    }

    public long id() {
        return id;
    }

    public KvMetrics metrics() {
        return metrics;
    }

    KvAgentConfig config() {
        return config;
    }

    /** How peers reach this agent. */
    public AgentAddress address() {
        return new AgentAddress(id, config.name, hostId, ProcessHandle.current().pid(), advertiseHost, server.port(),
                advertisedTransports(), ucx != null ? ucx.workerAddress() : new byte[0]);
    }

    public Set<TransportKind> advertisedTransports() {
        Set<TransportKind> s = EnumSet.noneOf(TransportKind.class);
        if (ucx != null && config.transports.contains(TransportKind.UCX)) s.add(TransportKind.UCX);
        if (ucx != null && config.transports.contains(TransportKind.STAGED)) s.add(TransportKind.STAGED);
        if (config.transports.contains(TransportKind.CUDA_IPC) && CudaDriver.loaded()) s.add(TransportKind.CUDA_IPC);
        return s;
    }

    /** Null when UCX is usable here, else why not. */
    public String ucxUnavailableReason() {
        return ucxUnavailable;
    }

    // ------------------------------------------------------------------ pools

    /**
     * Allocates a host pool through UCX (shared memory that peers on this host map directly: the fast path,
     * about as fast as ucx_perftest) and registers it. The pool's segments are zeroed.
     */
    public KvPool allocateHostPool(KvPoolLayout layout) {
        requireUcx();
        long region = layout.regionBytes();
        long total = 2L * layout.numLayers() * region;
        UcpMemory mem = ucx.allocate(total);
        long base = mem.getAddress();
        long[] k = new long[layout.numLayers()], v = new long[layout.numLayers()];
        for (int l = 0; l < layout.numLayers(); l++) {
            k[l] = base + (2L * l) * region;
            v[l] = base + (2L * l + 1) * region;
        }
        MemorySegment.ofAddress(base).reinterpret(total).fill((byte) 0);
        KvPool.LocalChunk chunk = new KvPool.LocalChunk(base, total, mem, rkey(mem), null);
        return addPool(new KvPool(this, layout, MemoryKind.HOST, null, k, v, List.of(chunk), null, () -> ucx.release(mem)));
    }

    /** Registers host memory the caller owns (e.g. the CPU engine's off-heap KV segments), one K and one V per layer. */
    public KvPool registerHostPool(KvPoolLayout layout, List<MemorySegment> kRegions, List<MemorySegment> vRegions) {
        requireUcx();
        int n = layout.numLayers();
        if (kRegions.size() != n || vRegions.size() != n) throw new IllegalArgumentException("need " + n + " K and V regions");
        long[] k = new long[n], v = new long[n];
        List<long[]> ranges = new ArrayList<>();
        for (int l = 0; l < n; l++) {
            for (MemorySegment s : List.of(kRegions.get(l), vRegions.get(l))) {
                if (!s.isNative() || s.byteSize() < layout.regionBytes()) {
                    throw new IllegalArgumentException("region of layer " + l + " must be native memory of at least " + layout.regionBytes() + " bytes");
                }
                ranges.add(new long[] {s.address(), s.address() + layout.regionBytes()});
            }
            k[l] = kRegions.get(l).address();
            v[l] = vRegions.get(l).address();
        }
        List<KvPool.LocalChunk> chunks = new ArrayList<>();
        for (long[] r : merge(ranges)) {
            UcpMemory m = ucx.register(r[0], r[1] - r[0]);
            chunks.add(new KvPool.LocalChunk(r[0], r[1] - r[0], m, rkey(m), null));
        }
        return addPool(new KvPool(this, layout, MemoryKind.HOST, null, k, v, chunks, null, () -> {
            for (KvPool.LocalChunk c : chunks) ucx.release(c.ucx());
        }));
    }

    /**
     * Registers device memory: CUDA (addresses from cuMemAlloc; exported for CUDA IPC) or a
     * {@link SimulatedDevice}. If UCX is up, a pinned staging ring is set up so peers on other hosts (or
     * without CUDA IPC) can stage into it.
     */
    public KvPool registerDevicePool(KvPoolLayout layout, DeviceMemory device, long[] kRegions, long[] vRegions) {
        int n = layout.numLayers();
        if (kRegions.length != n || vRegions.length != n) throw new IllegalArgumentException("need " + n + " K and V regions");
        List<long[]> ranges = new ArrayList<>();
        for (int l = 0; l < n; l++) {
            for (long a : new long[] {kRegions[l], vRegions[l]}) {
                if (device instanceof CudaDevice cuda) ranges.add(cudaRange(cuda, a));
                else ranges.add(new long[] {a, a + layout.regionBytes()});
            }
        }
        List<KvPool.LocalChunk> chunks = new ArrayList<>();
        boolean ipc = device instanceof CudaDevice && config.transports.contains(TransportKind.CUDA_IPC);
        // CUDA: one chunk per allocation, never merged: an IPC handle maps exactly one allocation, and the driver
        // may place separate small allocations back to back (seen on H200: a merged chunk put V past K's mapping).
        for (long[] r : device instanceof CudaDevice ? distinct(ranges) : merge(ranges)) {
            byte[] handle = ipc ? ((CudaDevice) device).ipcHandle(r[0]) : null;
            chunks.add(new KvPool.LocalChunk(r[0], r[1] - r[0], null, null, handle));
        }
        StagingRing ring = null;
        UcpMemory ringMem = null;
        if (ucx != null && config.transports.contains(TransportKind.STAGED)) {
            long bytes = config.stagingSlotBytes * config.stagingSlots;
            ringMem = ucx.allocate(bytes);
            device.pinHost(ringMem.getAddress(), bytes);
            ring = new StagingRing(new StagingInfo(ringMem.getAddress(), config.stagingSlotBytes, config.stagingSlots, rkey(ringMem)), device);
        }
        UcpMemory rm = ringMem;
        return addPool(new KvPool(this, layout, device.kind(), device, kRegions, vRegions, chunks, ring, () -> {
            if (rm != null) {
                device.unpinHost(rm.getAddress());
                ucx.release(rm);
            }
        }));
    }

    private static long[] cudaRange(CudaDevice cuda, long address) {
        long[] r = cuda.allocationRange(address);
        return new long[] {r[0], r[0] + r[1]};
    }

    void holdSpin() {
        if (ucx != null && config.pollWhileReceiving) ucx.holdSpin();
    }

    void releaseSpin() {
        if (ucx != null && config.pollWhileReceiving) ucx.releaseSpin();
    }

    void poolClosed(KvPool p) {
        pools.remove(p);
    }

    private KvPool addPool(KvPool p) {
        pools.add(p);
        return p;
    }

    private byte[] rkey(UcpMemory m) {
        return ucx.callSync(() -> {
            var buf = m.getRemoteKeyBuffer();
            byte[] b = new byte[buf.remaining()];
            buf.duplicate().get(b);
            return b;
        });
    }

    /** Sorted, merged, overlapping-or-touching ranges. */
    static List<long[]> merge(List<long[]> ranges) {
        List<long[]> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(r -> r[0]));
        List<long[]> out = new ArrayList<>();
        for (long[] r : sorted) {
            long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
            else out.add(new long[] {r[0], r[1]});
        }
        return out;
    }

    /** Sorted ranges with exact duplicates removed (regions of one allocation share its range). */
    static List<long[]> distinct(List<long[]> ranges) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            if (out.stream().noneMatch(o -> o[0] == r[0] && o[1] == r[1])) out.add(r);
        }
        out.sort(Comparator.comparingLong(r -> r[0]));
        return out;
    }

    UcpMemory ucxMemoryAt(long address) {
        for (KvPool p : pools) {
            UcpMemory m = p.ucxMemoryAt(address);
            if (m != null) return m;
        }
        for (UcpMemory m : stagingMemory) {
            if (address >= m.getAddress() && address < m.getAddress() + m.getLength()) return m;
        }
        return null;
    }

    // ------------------------------------------------------------------ receive side

    /** Reserves {@code blocks} of {@code pool} for transfer {@code transferId}, with the default lease. */
    public InboundTransfer expectTransfer(KvPool pool, long transferId, int[] blocks, Consumer<Lease> onRelease) {
        return expectTransfer(pool, transferId, blocks, config.leaseDuration, onRelease);
    }

    /**
     * Reserves {@code blocks} (request order) of {@code pool} for transfer {@code transferId}. If the KV does
     * not arrive (sender dies, aborts, or makes no progress for {@code lease}), {@code onRelease} runs once
     * and the caller frees the blocks; when it does arrive the blocks simply stay with the caller.
     */
    public InboundTransfer expectTransfer(KvPool pool, long transferId, int[] blocks, Duration lease, Consumer<Lease> onRelease) {
        checkOpen();
        checkPool(pool);
        for (int b : blocks) {
            if (b < 0 || b >= pool.layout().numBlocks()) throw new IllegalArgumentException("block " + b + " outside the pool");
        }
        PeerDescriptor d = new PeerDescriptor(address(), pool.describe(), transferId, blocks);
        Lease l = new Lease(blocks, lease.toNanos(), config.clock, onRelease);
        InboundTransfer in = new InboundTransfer(this, pool, d, l);
        if (inbound.putIfAbsent(transferId, in) != null) throw new IllegalArgumentException("transfer id " + transferId + " already in use");
        return in;
    }

    void inboundFinished(InboundTransfer in) {
        if (in.lease().state() != Lease.State.HELD) inbound.remove(in.id(), in);
    }

    /** Leases still held (a leak detector for tests: should be 0 once all transfers ended). */
    public int heldLeases() {
        int n = 0;
        for (InboundTransfer in : inbound.values()) if (in.lease().state() == Lease.State.HELD) n++;
        return n;
    }

    // ------------------------------------------------------------------ send side

    public KvTransfer startTransfer(KvPool src, List<PeerDescriptor> dsts, int[] srcBlocks) {
        return startTransfer(src, dsts, srcBlocks, TransferOptions.DEFAULT);
    }

    /**
     * Starts pushing {@code srcBlocks} (request order) of {@code src} to the destination ranks described by
     * {@code dsts} (one descriptor per destination TP rank; ranks owning none of this rank's heads are skipped).
     * Returns at once in BOOTSTRAPPING; hand layers over with {@link KvTransfer#sendLayer}.
     */
    public KvTransfer startTransfer(KvPool src, List<PeerDescriptor> dsts, int[] srcBlocks, TransferOptions opts) {
        checkOpen();
        checkPool(src);
        KvPoolLayout sl = src.layout();
        List<KvTransfer.Leg> legList = new ArrayList<>();
        Duration timeout = opts.timeout() != null ? opts.timeout() : config.transferTimeout;
        String label = config.name + "#" + TRANSFER_SEQ.incrementAndGet();
        List<PeerDescriptor> targets = new ArrayList<>();
        List<List<CopyRun>> runsPer = new ArrayList<>();
        for (PeerDescriptor d : dsts) {
            KvPoolLayout dl = d.pool().layout();
            sl.checkCompatible(dl);
            if (d.blockCount() != srcBlocks.length) {
                throw new IllegalArgumentException("destination " + d.agent().name() + " reserved " + d.blockCount() + " blocks, source has " + srcBlocks.length);
            }
            List<CopyRun> runs = new ArrayList<>();
            for (SliceRoute r : HeadSlicePlanner.plan(sl.totalKvHeads(), sl.tpSize(), dl.tpSize())) {
                if (r.srcRank() == sl.tpRank() && r.dstRank() == dl.tpRank()) runs.addAll(RunPlanner.runs(sl, dl, r, srcBlocks, d.blocks()));
            }
            if (runs.isEmpty()) continue;
            targets.add(d);
            runsPer.add(runs);
        }
        KvTransfer t = new KvTransfer(this, src, legList, config.clock.getAsLong() + timeout.toNanos(), label);
        for (int i = 0; i < targets.size(); i++) legList.add(t.newLeg(targets.get(i), runsPer.get(i)));
        metrics.inc(TransportKind.UCX, KvMetrics.Counter.TRANSFERS_STARTED);
        if (legList.isEmpty()) {
            t.finishIfEmpty();
            return t;
        }
        outbound.add(t);
        for (KvTransfer.Leg leg : legList) {
            // Known peer: set up inline (no thread hop on the latency path); new peer: connect in the background.
            if (linkReady(leg.dst.agent()) && ucxConns.containsKey(leg.dst.agent().agentId())) bootstrap(t, leg, opts.transport());
            else Thread.ofVirtual().name("kv-bootstrap").start(() -> bootstrap(t, leg, opts.transport()));
        }
        return t;
    }

    private void bootstrap(KvTransfer t, KvTransfer.Leg leg, TransportKind forced) {
        try {
            PeerLink link = linkTo(leg.dst.agent());
            TransportKind kind = chooseTransport(t.source(), leg.dst, forced);
            Transport transport = transportFor(kind, t, leg, link);
            legs.put(new LegKey(leg.dst.agent().agentId(), leg.transferId(), t.source().layout().tpRank()), leg);
            if (link.isDown()) throw new KvTransferException("control link down: " + link.downReason());
            String pair = config.name + "->" + leg.dst.agent().name() + ":" + kind;
            if (loggedPairs.add(pair)) {
                LOG.log(System.Logger.Level.INFO, "KV peer pair {0} -> {1} uses {2}", config.name, leg.dst.agent().name(), kind.label());
            }
            t.legConnected(leg, link, kind, transport);
            // The link can go down between the check above and legConnected; linkDown then missed this leg.
            if (link.isDown()) t.onLinkDown(leg, link.downReason());
        } catch (Exception e) {
            t.fail("cannot start the transfer to " + leg.dst.agent().name() + ": " + KvTransfer.rootMessage(e));
        }
    }

    /** Transports possible between a local pool and a destination, best first by preference. */
    public List<TransportKind> possibleTransports(KvPool local, PeerDescriptor dst) {
        List<TransportKind> out = new ArrayList<>();
        for (TransportKind k : config.preference) if (whyNot(k, local, dst) == null) out.add(k);
        return out;
    }

    TransportKind chooseTransport(KvPool local, PeerDescriptor dst, TransportKind forced) {
        if (forced != null) {
            String why = whyNot(forced, local, dst);
            if (why != null) throw new KvTransferException("transport " + forced.label() + " cannot be used towards " + dst.agent().name() + ": " + why);
            return forced;
        }
        StringBuilder reasons = new StringBuilder();
        for (TransportKind k : config.preference) {
            String why = whyNot(k, local, dst);
            if (why == null) return k;
            reasons.append(k.label()).append(": ").append(why).append("; ");
        }
        throw new KvTransferException("no transport towards " + dst.agent().name() + " (" + reasons + ")");
    }

    /** Null if {@code k} works between {@code local} and {@code dst}, else why not. */
    String whyNot(TransportKind k, KvPool local, PeerDescriptor dst) {
        Set<TransportKind> remote = dst.agent().transports();
        if (!config.transports.contains(k)) return "disabled here";
        if (!remote.contains(k)) return "not offered by the peer";
        PoolDescriptor rp = dst.pool();
        switch (k) {
            case UCX -> {
                if (ucx == null) return ucxUnavailable;
                if (local.memory() != MemoryKind.HOST) return "the local pool is device memory";
                if (rp.memory() != MemoryKind.HOST || !rp.ucxWritable()) return "the peer pool is not UCX-registered host memory";
                return null;
            }
            case CUDA_IPC -> {
                if (local.memory() != MemoryKind.CUDA || rp.memory() != MemoryKind.CUDA) return "both pools must be CUDA memory";
                if (!address().sameHost(dst.agent())) return "the peer is on another host";
                if (!rp.ipcExported()) return "the peer pool exported no IPC handles";
                return null;
            }
            case STAGED -> {
                if (ucx == null) return ucxUnavailable;
                if (local.memory() == MemoryKind.HOST && rp.memory() == MemoryKind.HOST) return "both pools are host memory (use ucx)";
                if (rp.memory() == MemoryKind.HOST ? !rp.ucxWritable() : rp.staging() == null) return "the peer pool has no staging";
                return null;
            }
        }
        return "unknown";
    }

    private Transport transportFor(TransportKind kind, KvTransfer t, KvTransfer.Leg leg, PeerLink link) {
        AgentAddress peer = leg.dst.agent();
        return switch (kind) {
            case UCX -> new UcxTransport(ucxConnection(peer), leg.dst.pool());
            case STAGED -> new StagedTransport(stagingSender(peer), t.source().device(), leg.dst.pool(), link,
                    leg.transferId(), t.source().layout().tpRank(), leg::isStopped);
            case CUDA_IPC -> {
                CudaDevice dev = (CudaDevice) t.source().device();
                String peerDevice = leg.dst.pool().deviceId();
                CudaIpcPeer p = ipcPeers.computeIfAbsent(new IpcKey(peer.agentId(), dev.ordinal(), peerDevice),
                        key -> new CudaIpcPeer(dev, peerDevice, peer.name()));
                yield new CudaIpcTransport(p, leg.dst.pool(), cudaExecutor());
            }
        };
    }

    private UcxConnection ucxConnection(AgentAddress peer) {
        requireUcx();
        return ucxConns.compute(peer.agentId(), (k, c) -> {
            if (c != null && c.failure() == null) return c;
            boolean peerMode = config.peerErrorModeAcrossHosts && !address().sameHost(peer);
            return new UcxConnection(ucx, peer.name(), peer.ucxWorkerAddress(), peerMode, this::ucxMemoryAt);
        });
    }

    private StagingSender stagingSender(AgentAddress peer) {
        UcxConnection conn = ucxConnection(peer);
        return stagingSenders.compute(peer.agentId(), (k, s) -> {
            if (s != null && s.connection() == conn) return s;
            if (s != null) s.close();
            return new StagingSender(peer.name(), conn, config.sendStagingBytes, this::allocateSendStaging);
        });
    }

    private StagingSender.Buffer allocateSendStaging(long bytes) {
        UcpMemory m = ucx.allocate(bytes);
        stagingMemory.add(m);
        // Page-locked so device-to-host copies run at full speed; every device context can use it.
        for (KvPool p : pools) {
            if (p.device() != null) {
                p.device().pinHost(m.getAddress(), bytes);
                break;
            }
        }
        return new StagingSender.Buffer(m.getAddress(), bytes);
    }

    private ExecutorService cudaExecutor() {
        if (cudaExec == null) {
            synchronized (this) {
                if (cudaExec == null) {
                    cudaExec = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("kv-cuda-" + config.name).unstarted(r));
                }
            }
        }
        return cudaExec;
    }

    /**
     * Unmaps every peer allocation opened through CUDA IPC (they are reopened on demand). A peer must not free
     * device memory this process still maps, so call this before a peer drops a pool it keeps running without.
     */
    public void closeIpcMappings() {
        ipcPeers.values().removeIf(p -> {
            p.close();
            return true;
        });
    }

    void outboundFinished(KvTransfer t) {
        outbound.remove(t);
        for (KvTransfer.Leg leg : t.legs()) {
            legs.remove(new LegKey(leg.dst.agent().agentId(), leg.transferId(), t.source().layout().tpRank()), leg);
            StagingSender s = stagingSenders.get(leg.dst.agent().agentId());
            if (s != null) s.forget(leg.transferId(), t.source().layout().tpRank());
        }
    }

    // ------------------------------------------------------------------ control links

    private ControlMessage.Hello hello() {
        return new ControlMessage.Hello(id, config.name);
    }

    private boolean linkReady(AgentAddress a) {
        CompletableFuture<PeerLink> f = outLinks.get(a.agentId());
        return f != null && f.isDone() && !f.isCompletedExceptionally() && !f.join().isDown();
    }

    PeerLink linkTo(AgentAddress a) throws Exception {
        long timeoutMs = config.connectTimeout.toMillis();
        for (int attempt = 0; attempt < 3; attempt++) {
            CompletableFuture<PeerLink> f = outLinks.get(a.agentId());
            if (f == null) {
                CompletableFuture<PeerLink> mine = new CompletableFuture<>();
                f = outLinks.putIfAbsent(a.agentId(), mine);
                if (f == null) {
                    f = mine;
                    try {
                        mine.complete(connect(a, timeoutMs));
                    } catch (Exception e) {
                        outLinks.remove(a.agentId(), mine);
                        mine.completeExceptionally(e);
                    }
                }
            }
            PeerLink l;
            try {
                l = f.get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new KvTransferException("cannot connect to " + a.name() + " at " + a.controlHost() + ":" + a.controlPort() + ": "
                        + KvTransfer.rootMessage(e));
            }
            if (!l.isDown()) return l;
            outLinks.remove(a.agentId(), f);
        }
        throw new KvTransferException("control link to " + a.name() + " keeps failing");
    }

    private PeerLink connect(AgentAddress a, long timeoutMs) throws Exception {
        PeerLink l = PeerLink.connect(new InetSocketAddress(a.controlHost(), a.controlPort()), (int) timeoutMs, handler(), hello());
        links.add(l);
        ControlMessage.Hello h;
        try {
            h = l.hello().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            l.close("no hello");
            throw e;
        }
        if (h.agentId() != a.agentId()) {
            l.close("wrong agent");
            throw new KvTransferException("stale descriptor: " + a.controlHost() + ":" + a.controlPort() + " is agent " + h.name() + ", not " + a.name());
        }
        return l;
    }

    private PeerLink.Handler handler() {
        return new PeerLink.Handler() {
            @Override
            public void onMessage(PeerLink link, ControlMessage m) {
                dispatch(link, m);
            }

            @Override
            public void onLinkDown(PeerLink link, String reason) {
                linkDown(link, reason);
            }
        };
    }

    private void dispatch(PeerLink link, ControlMessage m) {
        switch (m) {
            case ControlMessage.Begin b -> {
                InboundTransfer in = inbound.get(b.transferId());
                String error = in == null ? "unknown transfer " + b.transferId() + " (expired or never reserved)" : in.admit(link, b);
                if (error == null) {
                    TransportKind kind = in.transport();
                    if (kind != null && loggedPairs.add(link.remoteName() + "->" + config.name + ":" + kind)) {
                        LOG.log(System.Logger.Level.INFO, "KV peer pair {0} -> {1} uses {2}", link.remoteName(), config.name, kind.label());
                    }
                    link.send(new ControlMessage.Accept(b.transferId(), b.srcRank()));
                } else {
                    link.send(new ControlMessage.Cancel(b.transferId(), b.srcRank(), error));
                }
            }
            case ControlMessage.Layer l -> withInbound(l.transferId(), in -> in.onLayer(l.srcRank(), l.layer(), l.bytes()));
            case ControlMessage.Done d -> withInbound(d.transferId(), in -> in.onDone(d.srcRank()));
            case ControlMessage.Abort a -> withInbound(a.transferId(), in -> in.onAbort(a.srcRank(), a.reason()));
            case ControlMessage.CancelAck c -> withInbound(c.transferId(), in -> in.onCancelAck(c.srcRank()));
            case ControlMessage.SlotRequest s -> {
                InboundTransfer in = inbound.get(s.transferId());
                if (in == null || in.pool().staging() == null || in.isSourceFinished(s.srcRank())) return;
                in.pool().staging().request(new StagingRing.Grantee() {
                    @Override
                    public long transferId() {
                        return s.transferId();
                    }

                    @Override
                    public int srcRank() {
                        return s.srcRank();
                    }

                    @Override
                    public void grant(int slot) {
                        link.send(new ControlMessage.SlotGrant(s.transferId(), s.srcRank(), slot));
                    }
                });
            }
            case ControlMessage.Staged s -> {
                InboundTransfer in = inbound.get(s.transferId());
                if (in == null || in.pool().staging() == null) return;
                try {
                    in.pool().staging().land(s.transferId(), s.srcRank(), s.slot(), s.slotOffsets(), s.dstAddresses(), s.lengths());
                } catch (RuntimeException e) {
                    in.fail("staging copy failed: " + e.getMessage());
                }
            }
            case ControlMessage.Accept a -> withLeg(link, a.transferId(), a.srcRank(), (t, leg) -> t.onAccept(leg));
            case ControlMessage.Cancel c -> withLeg(link, c.transferId(), c.srcRank(), (t, leg) -> t.onCancel(leg, c.reason()));
            case ControlMessage.SlotGrant g -> {
                StagingSender s = stagingSenders.get(link.remoteAgentId());
                if (s != null) s.onGrant(g.transferId(), g.srcRank(), g.slot());
            }
            case ControlMessage.Hello h -> { }
            case ControlMessage.Ping p -> { }
        }
    }

    private void withInbound(long id, Consumer<InboundTransfer> action) {
        InboundTransfer in = inbound.get(id);
        if (in != null) action.accept(in);
    }

    private void withLeg(PeerLink link, long transferId, int srcRank, java.util.function.BiConsumer<KvTransfer, KvTransfer.Leg> action) {
        KvTransfer.Leg leg = legs.get(new LegKey(link.remoteAgentId(), transferId, srcRank));
        if (leg == null) return;
        for (KvTransfer t : outbound) {
            if (t.legs().contains(leg)) {
                action.accept(t, leg);
                return;
            }
        }
    }

    private void linkDown(PeerLink link, String reason) {
        links.remove(link);
        if (closed) return;
        metrics.inc(KvMetrics.Event.PEER_LINKS_LOST);
        long remote = link.remoteAgentId();
        LOG.log(System.Logger.Level.INFO, "KV control link to {0} down: {1}", link.remoteName(), reason);
        if (link.isOutbound()) {
            CompletableFuture<PeerLink> f = outLinks.get(remote);
            if (f != null && f.isDone() && !f.isCompletedExceptionally() && f.join() == link) {
                outLinks.remove(remote, f);
                // The data path to that agent is suspect too: drop it, its ops to a dead peer may never complete.
                UcxConnection c = ucxConns.remove(remote);
                if (c != null) c.fail("control link lost: " + reason);
                StagingSender s = stagingSenders.remove(remote);
                if (s != null) s.close();
                ipcPeers.entrySet().removeIf(e -> {
                    if (e.getKey().remoteAgent() != remote) return false;
                    e.getValue().close();
                    return true;
                });
            }
        }
        for (InboundTransfer in : inbound.values()) in.onLinkDown(link, reason);
        for (KvTransfer t : outbound) {
            for (KvTransfer.Leg leg : t.legs()) if (leg.link == link) t.onLinkDown(leg, reason);
        }
    }

    // ------------------------------------------------------------------ timers

    /** Checks leases, timeouts and heartbeats now (the reaper thread does this every few milliseconds). */
    public void reapNow() {
        long now = config.clock.getAsLong();
        for (InboundTransfer in : inbound.values()) in.checkTimers(now);
        for (KvTransfer t : outbound) t.checkTimers(now);
        long wall = System.nanoTime();
        for (PeerLink l : links) l.checkHeartbeat(wall, config.heartbeatInterval.toNanos(), config.heartbeatTimeout.toNanos());
    }

    private void reapLoop() {
        while (!closed) {
            try {
                Thread.sleep(config.reapInterval);
                reapNow();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "KV reaper", e);
            }
        }
    }

    // ------------------------------------------------------------------ lifecycle

    private void checkOpen() {
        if (closed) throw new IllegalStateException("KV agent " + config.name + " is closed");
    }

    private void checkPool(KvPool p) {
        if (p.agent() != this || p.isClosed()) throw new IllegalArgumentException("pool is closed or belongs to another agent");
    }

    private void requireUcx() {
        if (ucx == null) throw new KvTransferException(ucxUnavailable);
    }

    @Override
    public void close() {
        if (closed) return;
        for (KvTransfer t : List.copyOf(outbound)) t.fail("agent closed");
        for (InboundTransfer in : List.copyOf(inbound.values())) in.abandon("agent closed");
        closed = true;
        reaper.interrupt();
        server.close();
        for (PeerLink l : List.copyOf(links)) l.close("agent closed");
        for (StagingSender s : stagingSenders.values()) s.close();
        if (cudaExec != null) {
            // A copy still running would write through the IPC mappings closed below (and remake device buffers).
            cudaExec.shutdownNow();
            try {
                if (!cudaExec.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS))
                    LOG.log(System.Logger.Level.WARNING, "KV agent {0}: a CUDA copy did not finish within 10 s", config.name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Set<CudaDevice> copyDevices = new HashSet<>();
        for (CudaIpcPeer p : ipcPeers.values()) {
            p.close();
            copyDevices.add(p.device());
        }
        for (UcxConnection c : ucxConns.values()) c.close();
        for (KvPool p : List.copyOf(pools)) p.close();
        for (UcpMemory m : stagingMemory) ucx.release(m);
        // The copy stream and batched-copy buffers this agent's writes created (made again if another agent copies).
        for (CudaDevice d : copyDevices) d.close();
        if (ucx != null) ucx.close();
        LOG.log(System.Logger.Level.DEBUG, "KV agent {0} closed", config.name);
    }

    // ------------------------------------------------------------------ host identity

    private static String hostId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        try {
            return host + "/" + Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException | RuntimeException e) {
            return host;
        }
    }

    private static String advertised(String bind) {
        if (!"0.0.0.0".equals(bind) && !"::".equals(bind)) return bind;
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (IOException e) {
            return "127.0.0.1";
        }
    }
}
