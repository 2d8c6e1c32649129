package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.HostKvMemory;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.kv.KvCopy;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.ValueLayout;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies whole KV blocks between a rank's paged cache and its share of the host offload tier, on the rank's stream:
 * one {@code kv_block_copy} launch per run of copies in one direction, in the order given. Owns the device table of
 * each cache's layer regions and the block/slot index buffer (staged through pinned memory, reused once the previous
 * upload has landed).
 */
final class KvBlockCopies implements AutoCloseable {
    private static final int THREADS = 256;

    private final CudaContext cx;
    private final Map<KvCacheStorage, DeviceMemory> layerTables = new IdentityHashMap<>();
    private DeviceMemory indices;
    private PinnedHost staging;
    private final CUevent uploaded = new CUevent();
    private boolean eventCreated, uploadPending;

    KvBlockCopies(CudaContext cx) { this.cx = cx; }

    void copy(KvCacheStorage kv, HostKvMemory host, List<KvCopy> copies) {
        if (!(host instanceof MappedHostKv mapped))
            throw new IllegalStateException("the CUDA backend copies KV blocks only to host memory it allocated");
        if (!kv.onDevice()) throw new IllegalStateException("the CUDA backend copies KV blocks only from a device cache");
        if (copies.isEmpty()) return;
        copies = KvCopy.savesFirst(copies);  // two large launches instead of one per block where the order allows
        cx.bind();
        KvLayout layout = kv.layout();
        long table = layerTable(kv);
        int n = copies.size();
        upload(copies);
        for (int from = 0; from < n; ) {
            int to = from + 1;
            while (to < n && copies.get(to).toHost() == copies.get(from).toHost()) to++;
            cx.launch("kv_block_copy", to - from, 2 * layout.numLayers(), 1, THREADS, 0, table, mapped.deviceAddress,
                    indices.address + 4L * from, indices.address + 4L * (n + from), layout.blockBytesPerLayer(),
                    copies.get(from).toHost() ? 1 : 0);
            from = to;
        }
    }

    /** Device addresses of the cache's regions, K then V of each layer, uploaded on first use. */
    private long layerTable(KvCacheStorage kv) {
        DeviceMemory t = layerTables.get(kv);
        if (t != null) return t.address;
        int layers = kv.layout().numLayers();
        long[] bases = new long[2 * layers];
        for (int l = 0; l < layers; l++) {
            bases[2 * l] = kv.keys(l).address();
            bases[2 * l + 1] = kv.values(l).address();
        }
        t = cx.heap.allocate(8L * bases.length);
        Cu.check(JCudaDriver.cuMemcpyHtoD(t.ptr, jcuda.Pointer.to(bases), 8L * bases.length), "KV layer table upload");
        layerTables.put(kv, t);
        return t.address;
    }

    /** Block ids, then slot ids, into the index buffer (ahead of the launches on the same stream). */
    private void upload(List<KvCopy> copies) {
        int n = copies.size();
        long bytes = 8L * n;
        if (!eventCreated) {
            Cu.check(JCudaDriver.cuEventCreate(uploaded, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            eventCreated = true;
        }
        if (uploadPending) {
            Cu.check(JCudaDriver.cuEventSynchronize(uploaded), "KV copy index upload");
            uploadPending = false;
        }
        if (staging == null || staging.bytes < bytes) {
            if (staging != null) staging.close();
            staging = new PinnedHost(Math.max(bytes, 64L << 10));
        }
        if (indices == null || indices.bytes < bytes) {
            cx.synchronize();  // an earlier copy may still read the old buffer
            cx.heap.free(indices);
            indices = cx.heap.allocate(Math.max(bytes, 64L << 10));
        }
        for (int i = 0; i < n; i++) {
            staging.segment.setAtIndex(ValueLayout.JAVA_INT, i, copies.get(i).block());
            staging.segment.setAtIndex(ValueLayout.JAVA_INT, n + i, copies.get(i).slot());
        }
        Cu.check(JCudaDriver.cuMemcpyHtoDAsync(indices.ptr, staging.pointer, bytes, cx.stream), "KV copy index upload");
        Cu.check(JCudaDriver.cuEventRecord(uploaded, cx.stream), "cuEventRecord");
        uploadPending = true;
    }

    @Override
    public void close() {
        for (DeviceMemory t : layerTables.values()) cx.heap.free(t);
        layerTables.clear();
        cx.heap.free(indices);
        indices = null;
        if (staging != null) staging.close();
        if (eventCreated) JCudaDriver.cuEventDestroy(uploaded);
        eventCreated = false;
    }
}
