package ai.baton.kvtransfer.bench;

import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvLayout;
import ai.baton.kvtransfer.KvPool;
import ai.baton.kvtransfer.KvPoolLayout;
import ai.baton.kvtransfer.SimulatedDevice;
import ai.baton.kvtransfer.cuda.CudaDevice;
import ai.baton.kvtransfer.cuda.CudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A benchmark KV pool of one memory kind: {@code host} (allocated through UCX: the fast path), {@code user}
 * (ordinary off-heap memory registered with UCX), {@code sim} (simulated device, staged) or {@code cuda:N}.
 * Knows how to fill itself with random bytes and checksum blocks in request order.
 */
final class BenchPool implements AutoCloseable {
    /** Bytes of one KV block (per layer, K or V): 8 KV heads x 16 tokens x 128 dims x bf16. */
    static final long BLOCK_BYTES = 32 << 10;

    final KvPool pool;
    private final Arena arena = Arena.ofShared();
    private final CudaDevice cuda;
    private final List<Long> cudaAllocs = new ArrayList<>();

    /** One layer whose K and V regions hold {@code bytes / 2} each, in blocks of up to 32 KiB. */
    static KvPoolLayout layoutFor(long bytes) {
        if (bytes < 512 || bytes % 512 != 0) throw new IllegalArgumentException("size " + bytes + " must be a multiple of 512 bytes");
        long region = bytes / 2;
        long block = Math.min(BLOCK_BYTES, region);
        if (region % block != 0) throw new IllegalArgumentException("size " + ByteSizes.format(bytes) + " must be a multiple of 64KiB above 64KiB");
        int headDim = (int) (block / (8 * 16 * 2));
        return KvPoolLayout.of(1, (int) (region / block), 16, 8, headDim, 2, KvLayout.HND);
    }

    BenchPool(KvAgent agent, String memory, KvPoolLayout layout) {
        int n = layout.numLayers();
        if (memory.startsWith("cuda")) {
            int ordinal = memory.contains(":") ? Integer.parseInt(memory.substring(memory.indexOf(':') + 1)) : 0;
            cuda = CudaDriver.get().device(ordinal);
            // One allocation for the pool, as an engine's KV cache is, rounded up to 2 MiB so it never shares a
            // driver page with other small allocations (an IPC handle maps whole allocations).
            long bytes = 2L * n * layout.regionBytes();
            long slab = cuda.malloc((bytes + (2 << 20) - 1) & -(2L << 20));
            cudaAllocs.add(slab);
            cuda.memset(slab, (byte) 0, bytes);
            long[] k = new long[n], v = new long[n];
            for (int l = 0; l < n; l++) {
                k[l] = slab + 2L * l * layout.regionBytes();
                v[l] = k[l] + layout.regionBytes();
            }
            pool = agent.registerDevicePool(layout, cuda, k, v);
            return;
        }
        cuda = null;
        switch (memory) {
            case "host" -> pool = agent.allocateHostPool(layout);
            case "user" -> {
                List<MemorySegment> k = new ArrayList<>(), v = new ArrayList<>();
                for (int l = 0; l < n; l++) {
                    k.add(arena.allocate(layout.regionBytes(), 4096));
                    v.add(arena.allocate(layout.regionBytes(), 4096));
                }
                pool = agent.registerHostPool(layout, k, v);
            }
            case "sim" -> {
                long[] k = new long[n], v = new long[n];
                for (int l = 0; l < n; l++) {
                    k[l] = arena.allocate(layout.regionBytes(), 4096).address();
                    v[l] = arena.allocate(layout.regionBytes(), 4096).address();
                }
                pool = agent.registerDevicePool(layout, new SimulatedDevice(0), k, v);
            }
            default -> throw new IllegalArgumentException("memory must be host, user, sim or cuda[:N], not " + memory);
        }
    }

    private List<Long> regions() {
        List<Long> r = new ArrayList<>();
        for (int l = 0; l < pool.layout().numLayers(); l++) {
            r.add(pool.kAddress(l));
            r.add(pool.vAddress(l));
        }
        return r;
    }

    /** A host view of a region (copied from the device for CUDA pools). */
    private MemorySegment hostView(long region, Arena scratch) {
        long len = pool.layout().regionBytes();
        if (cuda == null) return MemorySegment.ofAddress(region).reinterpret(len);
        MemorySegment h = scratch.allocate(len, 4096);
        cuda.copyDeviceToHost(region, h.address(), len);
        return h;
    }

    void fillRandom(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long len = pool.layout().regionBytes();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment buf = cuda == null ? null : scratch.allocate(len, 4096);
            for (long region : regions()) {
                MemorySegment seg = cuda == null ? MemorySegment.ofAddress(region).reinterpret(len) : buf;
                for (long off = 0; off + 8 <= len; off += 8) seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off, rnd.nextLong());
                if (cuda != null) cuda.copyHostToDevice(buf.address(), region, len);
            }
        }
    }

    void zero() {
        long len = pool.layout().regionBytes();
        for (long region : regions()) {
            if (cuda != null) cuda.memset(region, (byte) 0, len);
            else MemorySegment.ofAddress(region).reinterpret(len).fill((byte) 0);
        }
    }

    /** CRC32C over every block of {@code blocks}, in that order, layer by layer, K then V. */
    long crc(int[] blocks) {
        CRC32C crc = new CRC32C();
        long bb = pool.layout().blockBytes();
        try (Arena scratch = Arena.ofConfined()) {
            for (long region : regions()) {
                MemorySegment seg = hostView(region, scratch);
                for (int b : blocks) {
                    long off = b * bb;
                    for (long done = 0; done < bb; done += Integer.MAX_VALUE) {
                        long n = Math.min(Integer.MAX_VALUE, bb - done);
                        crc.update(seg.asSlice(off + done, n).asByteBuffer());
                    }
                }
            }
        }
        return crc.getValue();
    }

    @Override
    public void close() {
        pool.close();
        for (long a : cudaAllocs) cuda.free(a);
        arena.close();
    }
}
