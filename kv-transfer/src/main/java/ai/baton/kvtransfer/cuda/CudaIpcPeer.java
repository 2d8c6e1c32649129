package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.RemoteChunk;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A peer process's device allocations opened in this process through CUDA IPC, for one local device.
 * Opening is costly (milliseconds), so mappings are kept until the peer goes away.
 */
public final class CudaIpcPeer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer.cuda");

    private record Key(long base, int handleHash) {}

    private final CudaDevice device;
    private final String peerName;
    private final Map<Key, Long> mapped = new HashMap<>();
    private boolean closed;

    public CudaIpcPeer(CudaDevice device, String peerName) {
        this.device = device;
        this.peerName = peerName;
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
            m = device.openIpc(c.cudaIpcHandle());
            mapped.put(k, m);
            LOG.log(System.Logger.Level.DEBUG, "opened CUDA IPC mapping of {0} ({1} bytes) on {2}", peerName, c.length(), device);
        }
        return m;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (long m : mapped.values()) device.closeIpc(m);
        mapped.clear();
    }
}
