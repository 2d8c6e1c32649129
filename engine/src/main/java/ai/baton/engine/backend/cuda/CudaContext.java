package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One GPU as a backend sees it: the device's primary context (shared with cuBLAS and NCCL, which use the runtime
 * API), one stream that every op is queued on, the kernels module, cuBLAS, and the heap that owns device memory.
 * Everything is released in {@link #close}, in reverse order of creation, also when the constructor fails part way.
 */
final class CudaContext implements AutoCloseable {
    static final long CUBLAS_WORKSPACE = 32L << 20;

    final int ordinal;
    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final long streamAddress;
    final DeviceHeap heap = new DeviceHeap();
    final Kernels kernels;
    final Cublas cublas;
    final int smCount;
    /** Compute capability, major * 10 + minor (90 for H100/H200). */
    final int computeCapability;
    /** Most shared memory a block may opt in to (bytes). */
    final int sharedMemoryOptin;
    final String deviceName;
    private boolean retained, streamCreated;

    CudaContext(int ordinal) {
        this.ordinal = ordinal;
        byte[] fatbin = Kernels.fatbin();
        if (fatbin == null)
            throw new EngineException("the CUDA backend has no kernels: this build ran without nvcc (install the CUDA toolkit and rebuild)");
        initDriver();
        int[] count = {0};
        Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) throw new EngineException("no CUDA GPU found");
        if (ordinal < 0 || ordinal >= count[0])
            throw new EngineException("CUDA device " + ordinal + " does not exist (" + count[0] + " GPU(s) found)");
        Kernels k = null;
        Cublas c = null;
        try {
            Cu.check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet");
            Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
            retained = true;
            bind();
            Cu.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            streamCreated = true;
            streamAddress = Cu.address(stream);
            int[] sms = {0};
            Cu.check(JCudaDriver.cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device), "cuDeviceGetAttribute");
            smCount = sms[0];
            int[] major = {0}, minor = {0};
            Cu.check(JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device), "cuDeviceGetAttribute");
            Cu.check(JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), "cuDeviceGetAttribute");
            computeCapability = major[0] * 10 + minor[0];
            int[] optin = {0};
            Cu.check(JCudaDriver.cuDeviceGetAttribute(optin, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device),
                    "cuDeviceGetAttribute(shared memory opt-in)");
            sharedMemoryOptin = optin[0];
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            deviceName = new String(name, 0, indexOfZero(name)).trim();
            k = new Kernels(fatbin);
            DeviceMemory ws = heap.allocate(CUBLAS_WORKSPACE);
            c = new Cublas(streamAddress, ws.address, ws.bytes);
        } catch (RuntimeException e) {
            if (k != null) k.close();
            releaseCore();
            throw e;
        }
        kernels = k;
        cublas = c;
    }

    private static void initDriver() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int rc = JCudaDriver.cuInit(0);
            if (rc == jcuda.driver.CUresult.CUDA_ERROR_NO_DEVICE) throw new EngineException("no CUDA GPU found");
            Cu.check(rc, "initialisation (cuInit)");
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new EngineException("no CUDA driver found (libcuda): the cuda backend needs an NVIDIA GPU and its driver");
        }
    }

    private static int indexOfZero(byte[] b) {
        for (int i = 0; i < b.length; i++) if (b[i] == 0) return i;
        return b.length;
    }

    /** Makes this device's context current on the calling thread (JCuda calls are per thread). */
    void bind() {
        Cu.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    void synchronize() {
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "stream synchronize (an earlier kernel may have failed)");
    }

    void launch(String name, int gx, int gy, int gz, int block, int sharedBytes, Object... args) {
        kernels.launch(stream, name, gx, gy, gz, block, sharedBytes, args);
    }

    /** A cooperative launch: all blocks resident at once, or the launch fails (kernels with grid-wide barriers). */
    void launchCooperative(String name, int gx, int block, int sharedBytes, Object... args) {
        kernels.launch(stream, name, true, gx, 1, 1, block, sharedBytes, args);
    }

    /** Free and total device memory, bytes. */
    long[] memoryInfo() {
        long[] free = {0}, total = {0};
        Cu.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[]{free[0], total[0]};
    }

    private void releaseCore() {
        heap.close();
        if (streamCreated) {
            streamCreated = false;
            JCudaDriver.cuStreamDestroy(stream);
        }
        if (retained) {
            retained = false;
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    @Override
    public void close() {
        if (!retained) return;
        bind();
        JCudaDriver.cuStreamSynchronize(stream);
        if (cublas != null) cublas.close();
        kernels.close();
        releaseCore();
    }
}
