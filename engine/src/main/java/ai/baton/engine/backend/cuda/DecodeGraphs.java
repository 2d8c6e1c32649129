package ai.baton.engine.backend.cuda;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

import java.util.HashMap;
import java.util.Map;

/**
 * CUDA graphs of whole decode steps, one per (batch-size bucket, block-table stride). Each entry owns the static
 * metadata buffer its kernels read, so a replay is: copy this step's metadata in, launch the graph. A bucket's first
 * step runs eagerly at the bucket's size (sizing every workspace), the second is captured, later ones replay. A graph
 * is stale, and is captured again, once any buffer it references has been replaced ({@code generation}).
 */
final class DecodeGraphs implements AutoCloseable {
    static final int[] BUCKETS = {1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 160, 192, 224, 256};
    static final int MAX_BATCH = BUCKETS[BUCKETS.length - 1];

    static final class Entry {
        final int rows, btStride;
        final DeviceMemory meta;
        boolean warmed;
        CUgraph graph;
        CUgraphExec exec;
        long generation, logitsAddress;
        int replays;
        /** Kernel nodes of the captured graph: the kernels of one step. */
        int nodes;

        Entry(int rows, int btStride, DeviceMemory meta) {
            this.rows = rows;
            this.btStride = btStride;
            this.meta = meta;
        }

        boolean ready(long generation, long logitsAddress) {
            return exec != null && this.generation == generation && this.logitsAddress == logitsAddress;
        }
    }

    private final CudaContext cx;
    private final Map<Long, Entry> entries = new HashMap<>();
    private Entry capturing;
    int captures;

    DecodeGraphs(CudaContext cx) { this.cx = cx; }

    static int bucket(int n) {
        for (int b : BUCKETS) if (b >= n) return b;
        throw new IllegalArgumentException("batch " + n + " exceeds the largest graph bucket " + MAX_BATCH);
    }

    /** Stride of block tables in a graph: a power of two, so a graph serves contexts up to that many blocks. */
    static int stride(int maxBlocks) {
        return Math.max(16, Integer.highestOneBit(Math.max(1, maxBlocks - 1)) << 1);
    }

    Entry entry(int rows, int btStride, long metaBytes) {
        long key = ((long) rows << 32) | btStride;
        Entry e = entries.get(key);
        if (e == null) {
            e = new Entry(rows, btStride, cx.heap.allocate(metaBytes));
            entries.put(key, e);
        }
        return e;
    }

    void launch(Entry e) {
        Cu.check(JCudaDriver.cuGraphLaunch(e.exec, cx.stream), "cuGraphLaunch");
        e.replays++;
    }

    void beginCapture(Entry e) {
        destroy(e);
        Cu.check(JCudaDriver.cuStreamBeginCapture(cx.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
        capturing = e;
    }

    boolean isCapturing() { return capturing != null; }

    /** Ends the capture in progress and instantiates it. */
    Entry endCapture(long generation, long logitsAddress) {
        Entry e = capturing;
        capturing = null;
        CUgraph g = new CUgraph();
        Cu.check(JCudaDriver.cuStreamEndCapture(cx.stream, g), "cuStreamEndCapture");
        e.graph = g;
        e.nodes = GraphKernels.count(Cu.address(g));
        CUgraphExec exec = new CUgraphExec();
        Cu.check(JCudaDriver.cuGraphInstantiate(exec, g, 0), "cuGraphInstantiate");
        e.exec = exec;
        e.generation = generation;
        e.logitsAddress = logitsAddress;
        captures++;
        return e;
    }

    /** Abandons a capture that an exception interrupted, leaving the stream usable. */
    void abortCapture() {
        if (capturing == null) return;
        Entry e = capturing;
        capturing = null;
        CUgraph g = new CUgraph();
        JCudaDriver.cuStreamEndCapture(cx.stream, g);
        if (Cu.address(g) != 0) JCudaDriver.cuGraphDestroy(g);
        e.warmed = false;
    }

    private static void destroy(Entry e) {
        if (e.exec != null) JCudaDriver.cuGraphExecDestroy(e.exec);
        if (e.graph != null) JCudaDriver.cuGraphDestroy(e.graph);
        e.exec = null;
        e.graph = null;
    }

    /** Kernels of the live graph of this batch-size bucket (any stride), or 0. */
    int nodes(int rows) {
        for (Entry e : entries.values()) if (e.rows == rows && e.exec != null) return e.nodes;
        return 0;
    }

    int size() {
        int n = 0;
        for (Entry e : entries.values()) if (e.exec != null) n++;
        return n;
    }

    @Override
    public void close() {
        abortCapture();
        for (Entry e : entries.values()) {
            destroy(e);
            cx.heap.free(e.meta);
        }
        entries.clear();
    }
}
