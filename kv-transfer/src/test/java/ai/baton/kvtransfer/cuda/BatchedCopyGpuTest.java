package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.transport.CopyOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The batched copy kernel on a real GPU: scattered blocks, unaligned heads and tails, a run longer than one
 * descriptor piece, and (with two GPUs) a copy into another device's memory through peer access. Skipped without
 * a GPU or without the kernel in this build.
 */
class BatchedCopyGpuTest {
    private static final int BYTES = 8 << 20;

    private final List<long[]> allocations = new ArrayList<>(); // {device ordinal, address}
    private String modeBefore;

    @BeforeEach
    void needsGpuAndKernel() {
        assumeTrue(CudaDriver.unavailableReason() == null, "no CUDA GPU");
        assumeTrue(KvCopyKernel.fatbin() != null, "this build has no batched copy kernel (no nvcc)");
        modeBefore = System.getProperty(KvCopyMode.PROPERTY);
        System.setProperty(KvCopyMode.PROPERTY, "kernel");
    }

    @AfterEach
    void release() {
        for (long[] a : allocations) CudaDriver.get().device((int) a[0]).free(a[1]);
        if (modeBefore == null) System.clearProperty(KvCopyMode.PROPERTY);
        else System.setProperty(KvCopyMode.PROPERTY, modeBefore);
    }

    private long malloc(CudaDevice d, long bytes) {
        long p = d.malloc(bytes);
        allocations.add(new long[] {d.ordinal(), p});
        return p;
    }

    /** Scattered 32 KiB blocks (reversed), odd offsets and lengths, and a 3 MiB run that spans several pieces. */
    private static List<CopyOp> scattered(long src, long dst) {
        List<CopyOp> ops = new ArrayList<>();
        int blocks = 64;
        for (int b = 0; b < blocks; b++) ops.add(new CopyOp(src + b * 32768L, dst + (blocks - 1 - b) * 32768L, 32768));
        long base = 4L << 20;
        ops.add(new CopyOp(src + base + 3, dst + base + 3, 1000)); // same misalignment: byte head, vectors, tail
        ops.add(new CopyOp(src + base + 4096, dst + base + 4096 + 5, 777)); // different misalignment: bytes only
        ops.add(new CopyOp(src + base + 8192, dst + base + 8192, 13)); // shorter than one 16-byte chunk
        ops.add(new CopyOp(src + base + (1 << 20), dst + base + (1 << 20), (3L << 20) - 48)); // several pieces, ragged end
        return ops;
    }

    private static byte[] expected(byte[] src, List<CopyOp> ops, long srcBase, long dstBase) {
        byte[] out = new byte[BYTES];
        for (CopyOp op : ops) System.arraycopy(src, (int) (op.src() - srcBase), out, (int) (op.dst() - dstBase), (int) op.length());
        return out;
    }

    private void checkCopy(CudaDevice source, CudaDevice owner) {
        long src = malloc(source, BYTES), dst = malloc(owner, BYTES);
        byte[] data = new byte[BYTES];
        new SplittableRandom(42).nextBytes(data);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(BYTES, 4096);
            MemorySegment.copy(data, 0, host, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, BYTES);
            source.copyHostToDevice(host.address(), src, BYTES);
            owner.memset(dst, (byte) 0, BYTES);

            List<CopyOp> ops = scattered(src, dst);
            KvCopyCounts before = source.copyCounts();
            KvCopyPath.Decision d = source.copyIpc(owner, ops);
            assertEquals(KvCopyPath.KERNEL, d.path(), "fell back: " + d.reason());
            KvCopyCounts c = source.copyCounts().since(before);
            assertEquals(1, c.kernelWrites());
            assertEquals(64 + 3 + 3, c.kernelSegments());

            owner.copyDeviceToHost(dst, host.address(), BYTES);
            byte[] got = host.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            byte[] want = expected(data, ops, src, dst);
            if (!Arrays.equals(want, got)) {
                int i = Arrays.mismatch(want, got);
                throw new AssertionError("byte " + i + " differs: want " + want[i] + ", got " + got[i]);
            }
            assertArrayEquals(want, got);
        }
    }

    @Test
    void copiesScatteredSegmentsOnOneDevice() {
        CudaDevice d = CudaDriver.get().device(0);
        checkCopy(d, d);
    }

    @Test
    void copiesIntoAnotherDevicesMemoryThroughPeerAccess() {
        assumeTrue(CudaDriver.get().deviceCount() > 1, "one GPU");
        checkCopy(CudaDriver.get().device(0), CudaDriver.get().device(1));
    }

    @Test
    void closeReleasesAndTheNextCopyLoadsAgain() {
        CudaDevice d = CudaDriver.get().device(0);
        checkCopy(d, d);
        d.close();
        d.close(); // twice is harmless
        checkCopy(d, d);
    }

    @Test
    void memcpyModeIsHonoured() {
        System.setProperty(KvCopyMode.PROPERTY, "memcpy");
        CudaDevice d = CudaDriver.get().device(0);
        long src = malloc(d, BYTES), dst = malloc(d, BYTES);
        KvCopyPath.Decision got = d.copyIpc(d, scattered(src, dst));
        assertEquals(new KvCopyPath.Decision(KvCopyPath.MEMCPY, null), got);
    }
}
