package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.RemoteChunk;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A peer process's device allocations opened in this process through CUDA IPC, for one local (source) device.
 * Like PyTorch, the handle is opened in the context of the device that owns the memory when this process can see
 * that device, and the source context is given peer access to it; otherwise it is opened in the source device's
 * context (peer access enabled lazily). Either way a write is one batched-kernel launch or one cuMemcpy per op
 * ({@link CudaDevice#copyIpc}). Opening costs milliseconds, so mappings are kept until the peer goes away.
 */
public final class CudaIpcPeer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer.cuda");

    private record Key(long base, int handleHash) {}

    private final CudaDevice device;
    private volatile CudaDevice owner; // device holding the peer's memory, when visible here
    private final String peerName;
    /**
     * The batched copy kernel runs on the source device, so it needs the peer's memory mapped in the source
     * device's own context: a mapping in the owner's context is not addressable from our kernels even with peer
     * access enabled (seen on 2xH200: CUDA_ERROR_ILLEGAL_ADDRESS). Memcpy fallbacks then copy within that context.
     */
    private final boolean mapInSource;
    private final Map<Key, Long> mapped = new HashMap<>();
    private boolean closed;

    public CudaIpcPeer(CudaDevice device, String peerDeviceId, String peerName) {
        this.device = device;
        this.owner = CudaDriver.get().deviceById(peerDeviceId).orElse(null);
        this.peerName = peerName;
        this.mapInSource = owner != null && owner != device && KvCopyMode.current() == KvCopyMode.KERNEL
                && device.peerAccessTo(owner) == null;
    }

    /**
     * Copies to addresses returned by {@link #map}: in one batched kernel launch where possible (the source device
     * then needs peer access to the owner's context, which mapped the memory), else one cuMemcpy per op.
     */
    public KvCopyPath.Decision copy(java.util.List<ai.baton.kvtransfer.transport.CopyOp> ops) {
        return device.copyIpc(mapInSource ? null : owner, ops);
    }

    private CudaDevice opener() {
        return owner != null && !mapInSource ? owner : device;
    }

    public CudaDevice device() {
        return device;
    }

    /** Local address of the peer's chunk base. */
    public synchronized long map(RemoteChunk c) {
        if (closed) throw new IllegalStateException("CUDA IPC mappings of " + peerName + " are closed");
        Key k = new Key(c.base(), Arrays.hashCode(c.cudaIpcHandle()));
        Long m = mapped.get(k);
        if (m == null) {
            try {
                m = opener().openIpc(c.cudaIpcHandle());
            } catch (RuntimeException e) {
                if (owner == null || owner == device || mapInSource || !mapped.isEmpty()) throw e;
                LOG.log(System.Logger.Level.INFO, "opening {0}'s memory in its own device's context failed ({1}); trying {2}",
                        peerName, e.getMessage(), device);
                owner = null;
                m = device.openIpc(c.cudaIpcHandle());
            }
            mapped.put(k, m);
            LOG.log(System.Logger.Level.DEBUG, "opened CUDA IPC mapping of {0} ({1} bytes) on {2}", peerName, c.length(), opener());
        }
        return m;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (long m : mapped.values()) opener().closeIpc(m);
        mapped.clear();
    }
}
