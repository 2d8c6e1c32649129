package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.KvTransferException;
import ai.baton.kvtransfer.transport.CopyOp;
import jcuda.Pointer;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The batched copy kernel (kv_copy.cu) in one device's context, with its descriptor buffers: a pinned host staging
 * buffer the descriptors are packed into and a device buffer they are uploaded to, both grown on demand. Not
 * thread-safe: its {@link CudaDevice} calls it under its lock, with its context current, and synchronises the
 * stream after every copy, so the buffers are free again when the next copy packs into them. {@link #close}
 * releases everything; the next use loads the kernel again.
 */
final class KvCopyKernel implements AutoCloseable {
    static final String RESOURCE = "/ai/baton/kvtransfer/cuda/kv_copy.fatbin";
    private static final String FUNCTION = "baton_kv_copy";
    /** Must match __launch_bounds__ in kv_copy.cu. */
    private static final int THREADS = 256;
    /** Smallest descriptor buffer (24 KiB): a typical layer's write fits without growing. */
    private static final int MIN_CAPACITY = 1024;

    private final String deviceName;
    private final CUdevice device;
    private CUmodule module;
    private CUfunction function;
    private String unavailable; // why the kernel cannot run here, once found out
    private int blocks;
    private Pointer hostStaging; // pinned (cuMemAllocHost)
    private long hostAddress;
    private long deviceDescriptors;
    private int capacity; // descriptors both buffers hold

    KvCopyKernel(String deviceName, CUdevice device) {
        this.deviceName = deviceName;
        this.device = device;
    }

    /** The fatbin's bytes, or null when this build had no nvcc. */
    static byte[] fatbin() {
        try (InputStream in = KvCopyKernel.class.getResourceAsStream(RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** Null when the kernel is loaded (loading it on first call), else why it cannot run on this device. */
    String unavailableReason() {
        if (function != null) return null;
        if (unavailable != null) return unavailable;
        byte[] image = fatbin();
        if (image == null) return unavailable = "this build has no batched copy kernel (built without nvcc)";
        CUmodule m = new CUmodule();
        try {
            JCudaDriver.cuModuleLoadData(m, image);
        } catch (RuntimeException e) {
            return unavailable = "cannot load the batched copy kernel on " + deviceName + ": " + e.getMessage();
        }
        try {
            CUfunction f = new CUfunction();
            JCudaDriver.cuModuleGetFunction(f, m, FUNCTION);
            int[] sms = new int[1];
            JCudaDriver.cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
            blocks = configuredBlocks(sms[0]);
            module = m;
            function = f;
            return null;
        } catch (RuntimeException e) {
            JCudaDriver.cuModuleUnload(m);
            return unavailable = "cannot set up the batched copy kernel on " + deviceName + ": " + e.getMessage();
        }
    }

    /** One block per SM by default; {@code BATON_KV_COPY_BLOCKS} overrides it to tune NVLink occupancy. */
    private static int configuredBlocks(int sms) {
        String v = System.getProperty("baton.kv.copyBlocks", System.getenv("BATON_KV_COPY_BLOCKS"));
        if (v != null && !v.isBlank()) {
            try {
                int b = Integer.parseInt(v.trim());
                if (b > 0) return b;
            } catch (NumberFormatException ignored) {
                // fall through to the default
            }
        }
        return Math.max(1, sms);
    }

    /**
     * Enqueues the copy of {@code ops} on {@code stream}: descriptors uploaded through the staging buffer, then one
     * launch. The caller synchronises the stream before calling again. Returns the number of descriptors.
     */
    int copy(List<CopyOp> ops, CUstream stream) {
        if (unavailableReason() != null) throw new IllegalStateException(unavailable);
        int n = KvCopyDescriptors.count(ops);
        if (n == 0) return 0;
        reserve(n);
        long bytes = (long) n * KvCopyDescriptors.SEGMENT_BYTES;
        KvCopyDescriptors.pack(ops, MemorySegment.ofAddress(hostAddress).reinterpret(bytes));
        try {
            JCudaDriver.cuMemcpyHtoDAsync(DevPtr.of(deviceDescriptors), hostStaging, bytes, stream);
            Pointer params = Pointer.to(Pointer.to(new long[] {deviceDescriptors}), Pointer.to(new int[] {n}));
            JCudaDriver.cuLaunchKernel(function, Math.min(n, blocks), 1, 1, THREADS, 1, 1, 0, stream, params, null);
        } catch (RuntimeException e) {
            throw new KvTransferException("batched copy of " + ops.size() + " runs (" + n + " segments) on " + deviceName
                    + " failed: " + e.getMessage(), e);
        }
        return n;
    }

    /** Grows both descriptor buffers to hold {@code n} descriptors (no copy is in flight when called). */
    private void reserve(int n) {
        if (n <= capacity) return;
        int cap = (int) Math.min(Integer.MAX_VALUE / KvCopyDescriptors.SEGMENT_BYTES, Math.max(n, Math.max(MIN_CAPACITY, 2L * capacity)));
        freeBuffers();
        long bytes = (long) cap * KvCopyDescriptors.SEGMENT_BYTES;
        HostPtr h = new HostPtr();
        DevPtr d = new DevPtr();
        try {
            JCudaDriver.cuMemAllocHost(h, bytes);
        } catch (RuntimeException e) {
            throw new KvTransferException("cannot allocate " + bytes + " bytes of pinned memory for copy descriptors on " + deviceName
                    + ": " + e.getMessage(), e);
        }
        try {
            JCudaDriver.cuMemAlloc(d, bytes);
        } catch (RuntimeException e) {
            JCudaDriver.cuMemFreeHost(h);
            throw new KvTransferException("cannot allocate " + bytes + " bytes for copy descriptors on " + deviceName + ": " + e.getMessage(), e);
        }
        hostStaging = h;
        hostAddress = h.raw();
        deviceDescriptors = d.raw();
        capacity = cap;
    }

    private void freeBuffers() {
        capacity = 0;
        Pointer h = hostStaging;
        long d = deviceDescriptors;
        hostStaging = null;
        hostAddress = 0;
        deviceDescriptors = 0;
        try {
            if (h != null) JCudaDriver.cuMemFreeHost(h);
        } finally {
            if (d != 0) JCudaDriver.cuMemFree(DevPtr.of(d));
        }
    }

    /** Frees the buffers and unloads the module (the device's context must be current); reusable afterwards. */
    @Override
    public void close() {
        CUmodule m = module;
        module = null;
        function = null;
        unavailable = null;
        try {
            freeBuffers();
        } finally {
            if (m != null) JCudaDriver.cuModuleUnload(m);
        }
    }
}
