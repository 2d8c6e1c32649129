package ai.baton.kvtransfer;

import ai.baton.kvtransfer.transport.StagingRing;
import org.openucx.jucx.ucp.UcpMemory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A KV pool registered with an agent: the memory registration of one TP rank's K and V regions for every
 * layer. Made by {@link KvAgent#allocateHostPool}, {@link KvAgent#registerHostPool} or
 * {@link KvAgent#registerDevicePool}; closing it deregisters (and frees memory the agent allocated).
 */
public final class KvPool implements AutoCloseable {

    /** A registered span: UCX memory handle and/or exported CUDA IPC handle. */
    record LocalChunk(long base, long length, UcpMemory ucx, byte[] rkey, byte[] ipcHandle) {}

    private final KvAgent agent;
    private final KvPoolLayout layout;
    private final MemoryKind memory;
    private final DeviceMemory device;
    private final long[] k;
    private final long[] v;
    private final List<LocalChunk> chunks;
    private final StagingRing staging;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    KvPool(KvAgent agent, KvPoolLayout layout, MemoryKind memory, DeviceMemory device, long[] k, long[] v,
           List<LocalChunk> chunks, StagingRing staging, Runnable onClose) {
        this.agent = agent;
        this.layout = layout;
        this.memory = memory;
        this.device = device;
        this.k = k.clone();
        this.v = v.clone();
        this.chunks = new ArrayList<>(chunks);
        this.staging = staging;
        this.onClose = onClose;
    }

    public KvPoolLayout layout() {
        return layout;
    }

    public MemoryKind memory() {
        return memory;
    }

    /** The device copier of a device pool, or null for host memory. */
    public DeviceMemory device() {
        return device;
    }

    public KvAgent agent() {
        return agent;
    }

    public long kAddress(int layer) {
        return k[layer];
    }

    public long vAddress(int layer) {
        return v[layer];
    }

    public long regionAddress(int layer, boolean isK) {
        return isK ? k[layer] : v[layer];
    }

    /** Host pools only: the K region of a layer as a memory segment. */
    public MemorySegment kSegment(int layer) {
        return segment(k[layer]);
    }

    public MemorySegment vSegment(int layer) {
        return segment(v[layer]);
    }

    private MemorySegment segment(long address) {
        if (memory != MemoryKind.HOST && memory != MemoryKind.SIMULATED_DEVICE) {
            throw new IllegalStateException("a " + memory + " pool has no host segments");
        }
        return MemorySegment.ofAddress(address).reinterpret(layout.regionBytes());
    }

    StagingRing staging() {
        return staging;
    }

    /** The UCX registration holding a local address, or null. */
    UcpMemory ucxMemoryAt(long address) {
        for (LocalChunk c : chunks) {
            if (c.ucx() != null && address >= c.base() && address < c.base() + c.length()) return c.ucx();
        }
        return null;
    }

    public PoolDescriptor describe() {
        List<RemoteChunk> remote = new ArrayList<>();
        for (LocalChunk c : chunks) {
            remote.add(new RemoteChunk(c.base(), c.length(), c.rkey(), c.ipcHandle()));
        }
        String deviceId = device == null ? "" : device.deviceId();
        return new PoolDescriptor(layout, memory, deviceId, k, v, remote, staging == null ? null : staging.info());
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            agent.poolClosed(this); // first: no new transfer may look up its memory handles
            onClose.run();
        }
    }

    @Override
    public String toString() {
        return "KvPool[" + memory + " " + layout + "]";
    }
}
