package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernels fatbin (built by nvcc into the jar as a resource), loaded as one module, and kernel launches. Launch
 * arguments are given as Java primitives: {@code long} for device pointers and 64-bit values, {@code int},
 * {@code float}. Launches go through {@code cuLaunchKernelEx} ({@link LaunchEx}) with programmatic dependent launch
 * for every kernel that waits on its predecessor (all but the fill kernels); {@code -Dbaton.cuda.pdl=false}, or a
 * driver without it, falls back to plain {@code cuLaunchKernel}.
 */
final class Kernels implements AutoCloseable {
    static final String RESOURCE = "/ai/baton/engine/backend/cuda/kernels.fatbin";

    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, Long> addresses = new HashMap<>();
    private final LaunchEx launchEx;
    /** Whether kernels are launched with programmatic dependent launch. */
    final boolean pdl;
    /** Names of the kernels launched while non-null, in order (for {@link KernelTimeline}). */
    java.util.List<String> launchLog;
    private CUstream lastStream;
    private long lastStreamAddress;
    private boolean loaded;

    /** The fatbin's bytes, or null when this build had no nvcc. */
    static byte[] fatbin() {
        try (InputStream in = Kernels.class.getResourceAsStream(RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new EngineException("cannot read the CUDA kernels resource: " + e.getMessage());
        }
    }

    Kernels(byte[] fatbin) {
        // cuModuleLoadData takes a fatbin too; JCuda 12.6's cuModuleLoadFatBinary never hands the module back.
        Cu.check(JCudaDriver.cuModuleLoadData(module, fatbin), "loading the kernels (cuModuleLoadData)");
        loaded = true;
        launchEx = LaunchEx.open();
        pdl = launchEx != null && !"false".equals(System.getProperty("baton.cuda.pdl"));
    }

    /** Kernels that do not call pdl_wait (fills of fresh buffers) keep full stream ordering. */
    private static boolean waitsOnPredecessor(String name) { return !name.startsWith("fill_"); }

    CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            f = new CUfunction();
            Cu.check(JCudaDriver.cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
            functions.put(name, f);
        }
        return f;
    }

    /** Lets {@code name} use more than 48 KiB of dynamic shared memory. */
    void allowSharedMemory(String name, int bytes) {
        Cu.check(JCudaDriver.cuFuncSetAttribute(function(name),
                CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes), "cuFuncSetAttribute(" + name + ")");
    }

    void launch(CUstream stream, String name, int gx, int gy, int gz, int block, int sharedBytes, Object... args) {
        launch(stream, name, false, gx, gy, gz, block, sharedBytes, args);
    }

    /**
     * A launch that is cooperative when {@code cooperative}: the driver makes every block resident at once or fails
     * the launch, which a kernel with grid-wide barriers needs (blocks waiting for blocks that cannot be scheduled,
     * for example beside another such kernel on the GPU, would never return).
     */
    void launch(CUstream stream, String name, boolean cooperative, int gx, int gy, int gz, int block, int sharedBytes, Object... args) {
        if (launchLog != null) launchLog.add(name);
        if (launchEx != null) {
            Long f = addresses.get(name);
            if (f == null) {
                f = Cu.address(function(name));
                addresses.put(name, f);
            }
            if (stream != lastStream) {
                lastStream = stream;
                lastStreamAddress = Cu.address(stream);
            }
            int rc = launchEx.launch(f, lastStreamAddress, gx, gy, gz, block, sharedBytes, pdl && waitsOnPredecessor(name), cooperative, args);
            if (rc != 0) Cu.check(rc, "launch of " + name + " (grid " + gx + "x" + gy + "x" + gz + ", block " + block + ")");
            return;
        }
        NativePointerObject[] ps = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            ps[i] = switch (a) {
                case Long l -> Pointer.to(new long[]{l});
                case Integer v -> Pointer.to(new int[]{v});
                case Float f -> Pointer.to(new float[]{f});
                default -> throw new IllegalArgumentException("kernel argument of type " + a.getClass());
            };
        }
        int rc = cooperative
                ? JCudaDriver.cuLaunchCooperativeKernel(function(name), gx, gy, gz, block, 1, 1, sharedBytes, stream, Pointer.to(ps))
                : JCudaDriver.cuLaunchKernel(function(name), gx, gy, gz, block, 1, 1, sharedBytes, stream, Pointer.to(ps), null);
        if (rc != 0) Cu.check(rc, "launch of " + name + " (grid " + gx + "x" + gy + "x" + gz + ", block " + block + ")");
    }

    /** Points the kernels' {@code baton_timeline} at a device buffer (0: off); see common.cuh. */
    void setTimeline(long address) {
        jcuda.driver.CUdeviceptr global = new jcuda.driver.CUdeviceptr();
        Cu.check(JCudaDriver.cuModuleGetGlobal(global, new long[1], module, "baton_timeline"), "cuModuleGetGlobal(baton_timeline)");
        Cu.check(JCudaDriver.cuMemcpyHtoD(global, Pointer.to(new long[]{address}), 8), "cuMemcpyHtoD(baton_timeline)");
    }

    @Override
    public void close() {
        if (!loaded) return;
        loaded = false;
        if (launchEx != null) launchEx.close();
        JCudaDriver.cuModuleUnload(module);
    }
}
