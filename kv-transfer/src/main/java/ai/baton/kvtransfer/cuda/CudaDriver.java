package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.KvTransferException;
import jcuda.driver.JCudaDriver;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Entry to the CUDA driver API through JCuda, loaded on first use only: a host without a GPU (or without
 * libcuda) never loads it unless a CUDA transport or pool is asked for, and then gets a one-line error.
 */
public final class CudaDriver {
    private static volatile CudaDriver instance;
    private static volatile String failure;

    private final int deviceCount;
    private final ConcurrentHashMap<Integer, CudaDevice> devices = new ConcurrentHashMap<>();

    private CudaDriver(int deviceCount) {
        this.deviceCount = deviceCount;
    }

    /** The driver, initialised once; throws {@link KvTransferException} with a one-line reason if CUDA is absent. */
    public static CudaDriver get() {
        CudaDriver d = instance;
        if (d != null) return d;
        synchronized (CudaDriver.class) {
            if (instance != null) return instance;
            if (failure != null) throw new KvTransferException(failure);
            try {
                JCudaDriver.setExceptionsEnabled(true);
                JCudaDriver.cuInit(0);
                int[] n = new int[1];
                JCudaDriver.cuDeviceGetCount(n);
                if (n[0] == 0) throw new IllegalStateException("no CUDA device found");
                instance = new CudaDriver(n[0]);
                return instance;
            } catch (Throwable t) {
                String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().lines().findFirst().orElse("");
                failure = "CUDA is not available on this host (" + msg + ")";
                throw new KvTransferException(failure);
            }
        }
    }

    /** Null when CUDA works, else why not (loads the driver to find out). */
    public static String unavailableReason() {
        try {
            get();
            return null;
        } catch (KvTransferException e) {
            return e.getMessage();
        }
    }

    /** Whether the driver was already loaded by someone; never loads it. */
    public static boolean loaded() {
        return instance != null;
    }

    public int deviceCount() {
        return deviceCount;
    }

    /** The local device with this UUID, if this process can see it. */
    public java.util.Optional<CudaDevice> deviceById(String uuid) {
        for (int i = 0; i < deviceCount; i++) {
            CudaDevice d = device(i);
            if (d.deviceId().equals(uuid)) return java.util.Optional.of(d);
        }
        return java.util.Optional.empty();
    }

    public CudaDevice device(int ordinal) {
        if (ordinal < 0 || ordinal >= deviceCount) {
            throw new KvTransferException("CUDA device " + ordinal + " does not exist (" + deviceCount + " present)");
        }
        return devices.computeIfAbsent(ordinal, CudaDevice::new);
    }
}
