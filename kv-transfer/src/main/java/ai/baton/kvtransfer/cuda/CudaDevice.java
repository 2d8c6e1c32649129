package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.DeviceMemory;
import ai.baton.kvtransfer.KvTransferException;
import ai.baton.kvtransfer.MemoryKind;
import ai.baton.kvtransfer.transport.CopyOp;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUipcMemHandle;
import jcuda.driver.CUipcMem_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUuuid;
import jcuda.driver.JCudaDriver;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One GPU, used through its primary context (the one cuBLAS and NCCL share). Copies run on a private stream
 * and block until done; they are serialised per device, which is what a transfer pipeline needs. The stream and
 * the batched copy kernel are created on first use and released by {@link #close}.
 */
public final class CudaDevice implements DeviceMemory, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer.cuda");
    private static final int CU_MEMHOSTREGISTER_PORTABLE = 1;
    private static final Field IPC_BYTES;

    static {
        try {
            IPC_BYTES = CUipcMemHandle.class.getDeclaredField("reserved");
            IPC_BYTES.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String uuid;
    private CUstream stream; // guarded by this
    private final KvCopyKernel kernel; // guarded by this
    private final Map<Integer, String> peerAccess = new HashMap<>(); // owner ordinal -> null or why not; guarded by this
    private long kernelWrites, kernelSegments, memcpyWrites, memcpyCopies; // guarded by this
    private String lastFallback; // guarded by this

    CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        JCudaDriver.cuDeviceGet(device, ordinal);
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        CUuuid u = new CUuuid();
        JCudaDriver.cuDeviceGetUuid(u, device);
        uuid = HexFormat.of().formatHex(u.bytes);
        kernel = new KvCopyKernel("cuda:" + ordinal, device);
    }

    CUcontext context() {
        return context;
    }

    /**
     * Copies one CUDA IPC write to mapped peer memory and waits for it. {@code owner} is the device whose context
     * mapped the destination (null or this device: mapped in this context). Peer access to {@code owner} is
     * enabled first on either path: without it cuMemcpyPeerAsync between two contexts is staged through host
     * memory. Many segments then go in one launch of the batched copy kernel when {@link KvCopyMode#current()}
     * allows it and the kernel is loaded; otherwise one cuMemcpy per op.
     */
    public synchronized KvCopyPath.Decision copyIpc(CudaDevice owner, List<CopyOp> ops) {
        makeCurrent();
        CudaDevice peer = owner == null || owner == this ? null : owner;
        // Memory mapped in the owner's context is not addressable by our kernel even with peer access (the peer maps
        // it in this context when it means to use the kernel): such writes always take the memcpy path.
        String access = peer == null ? null : peerAccessTo(peer);   // enabled for the memcpy path as well
        String peerWhy = peer == null ? null : access != null ? access : "the peer's memory is mapped in " + peer + "'s context";
        KvCopyPath.Decision d = KvCopyPath.choose(KvCopyMode.current(), ops.size(), kernel::unavailableReason, () -> peerWhy);
        CUstream s = stream();
        try {
            if (d.path() == KvCopyPath.KERNEL) {
                kernelSegments += kernel.copy(ops, s);
                kernelWrites++;
            } else {
                if (peer != null) memcpyPeer(peer, ops, s);
                else memcpyDeviceToDevice(ops, s);
                memcpyWrites++;
                memcpyCopies += ops.size();
                if (d.reason() != null) lastFallback = d.reason();
            }
        } catch (RuntimeException e) {
            // Let what was enqueued finish before anyone reuses the descriptor buffers.
            try {
                JCudaDriver.cuStreamSynchronize(s);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        JCudaDriver.cuStreamSynchronize(s);
        return d;
    }

    /** What {@link #copyIpc} has done so far on this device. */
    public synchronized KvCopyCounts copyCounts() {
        return new KvCopyCounts(kernelWrites, kernelSegments, memcpyWrites, memcpyCopies, lastFallback);
    }

    /**
     * Null when this device's context has peer access to {@code owner}'s (enabled here on first call), else why
     * not. Remembered per owner: enabling is a context-wide, lasting setting. {@code BATON_KV_PEER_ACCESS=off}
     * (or {@code -Dbaton.kv.peerAccess=off}) leaves it disabled, to measure what peer access is worth.
     */
    public synchronized String peerAccessTo(CudaDevice owner) {
        if (peerAccess.containsKey(owner.ordinal)) return peerAccess.get(owner.ordinal);
        String why = null;
        makeCurrent();
        try {
            int[] can = new int[1];
            JCudaDriver.cuDeviceCanAccessPeer(can, device, owner.device);
            if ("off".equalsIgnoreCase(System.getProperty("baton.kv.peerAccess", System.getenv("BATON_KV_PEER_ACCESS")))) {
                why = "peer access left disabled (BATON_KV_PEER_ACCESS=off)";
            } else if (can[0] == 0) {
                why = "no peer access from " + this + " to " + owner;
            } else {
                try {
                    JCudaDriver.cuCtxEnablePeerAccess(owner.context, 0);
                } catch (RuntimeException e) {
                    // Someone (NCCL, an engine, an earlier agent) enabled it already: just as good.
                    if (!String.valueOf(e.getMessage()).contains("CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED")) throw e;
                }
            }
        } catch (RuntimeException e) {
            why = "cannot enable peer access from " + this + " to " + owner + ": " + e.getMessage();
        }
        peerAccess.put(owner.ordinal, why);
        return why;
    }

    /** A peer copy between the two contexts per op, over NVLink/PCIe peer access where enabled, else through the host. */
    private void memcpyPeer(CudaDevice owner, List<CopyOp> ops, CUstream s) {
        for (CopyOp op : ops) {
            try {
                JCudaDriver.cuMemcpyPeerAsync(DevPtr.of(op.dst()), owner.context, DevPtr.of(op.src()), context, op.length(), s);
            } catch (RuntimeException e) {
                throw new KvTransferException("cuMemcpyPeerAsync " + this + " -> " + owner + " (" + op.length() + " B) failed: " + e.getMessage(), e);
            }
        }
    }

    /** Makes this device's primary context current on the calling thread. */
    public void makeCurrent() {
        JCudaDriver.cuCtxSetCurrent(context);
    }

    @Override
    public MemoryKind kind() {
        return MemoryKind.CUDA;
    }

    @Override
    public int ordinal() {
        return ordinal;
    }

    @Override
    public String deviceId() {
        return uuid;
    }

    private CUstream stream() {
        if (stream == null) {
            stream = new CUstream();
            JCudaDriver.cuStreamCreate(stream, 1 /* CU_STREAM_NON_BLOCKING */);
        }
        return stream;
    }

    @Override
    public synchronized void copyToHost(List<Piece> pieces) {
        makeCurrent();
        CUstream s = stream();
        for (Piece p : pieces) JCudaDriver.cuMemcpyDtoHAsync(HostPtr.of(p.hostAddress()), DevPtr.of(p.deviceAddress()), p.length(), s);
        JCudaDriver.cuStreamSynchronize(s);
    }

    @Override
    public synchronized void copyFromHost(List<Piece> pieces) {
        makeCurrent();
        CUstream s = stream();
        for (Piece p : pieces) JCudaDriver.cuMemcpyHtoDAsync(DevPtr.of(p.deviceAddress()), HostPtr.of(p.hostAddress()), p.length(), s);
        JCudaDriver.cuStreamSynchronize(s);
    }

    /** Device-to-device copies (both addresses valid in this context, e.g. one side opened through IPC here). */
    private void memcpyDeviceToDevice(List<CopyOp> ops, CUstream s) {
        for (CopyOp op : ops) {
            try {
                JCudaDriver.cuMemcpyDtoDAsync(DevPtr.of(op.dst()), DevPtr.of(op.src()), op.length(), s);
            } catch (RuntimeException e) {
                throw new KvTransferException("cuMemcpyDtoDAsync 0x" + Long.toHexString(op.src()) + " -> 0x" + Long.toHexString(op.dst())
                        + " (" + op.length() + " B) on " + this + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Releases the copy stream and the batched copy kernel with its descriptor buffers (waiting for a copy in
     * progress, which holds the lock). The device stays usable: they are created again on next use.
     */
    @Override
    public synchronized void close() {
        CUstream s = stream;
        stream = null;
        try {
            makeCurrent();
            kernel.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "releasing the batched copy kernel on {0} failed: {1}", this, e.getMessage());
        } finally {
            if (s != null) {
                try {
                    JCudaDriver.cuStreamDestroy(s);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "destroying the copy stream on {0} failed: {1}", this, e.getMessage());
                }
            }
        }
    }

    /** JCuda insists that registered host memory is a direct buffer (a bare address is refused). */
    private static jcuda.Pointer directPointer(long address, long length) {
        return jcuda.Pointer.to(java.lang.foreign.MemorySegment.ofAddress(address).reinterpret(length).asByteBuffer());
    }

    @Override
    public void pinHost(long address, long length) {
        makeCurrent();
        try {
            if (length > Integer.MAX_VALUE) throw new IllegalArgumentException("more than 2 GiB");
            JCudaDriver.cuMemHostRegister(directPointer(address, length), length, CU_MEMHOSTREGISTER_PORTABLE);
        } catch (RuntimeException e) {
            // Unpinned staging still works, only slower: not worth failing the pool for.
            System.getLogger("ai.baton.kvtransfer.cuda").log(System.Logger.Level.WARNING,
                    "cannot pin {0} bytes of staging memory: {1}", length, e.getMessage());
        }
    }

    @Override
    public void unpinHost(long address) {
        makeCurrent();
        try {
            JCudaDriver.cuMemHostUnregister(directPointer(address, 1));
        } catch (RuntimeException ignored) {
            // was not registered, or the context is going away
        }
    }

    public long malloc(long bytes) {
        makeCurrent();
        DevPtr p = new DevPtr();
        JCudaDriver.cuMemAlloc(p, bytes);
        return p.raw();
    }

    public void free(long address) {
        makeCurrent();
        JCudaDriver.cuMemFree(DevPtr.of(address));
    }

    public void memset(long address, byte value, long bytes) {
        makeCurrent();
        JCudaDriver.cuMemsetD8(DevPtr.of(address), value, bytes);
        JCudaDriver.cuCtxSynchronize();
    }

    /** {base, size} of the cuMemAlloc allocation holding {@code address}. */
    public long[] allocationRange(long address) {
        makeCurrent();
        DevPtr base = new DevPtr();
        long[] size = new long[1];
        JCudaDriver.cuMemGetAddressRange(base, size, DevPtr.of(address));
        return new long[] {base.raw(), size[0]};
    }

    /** The 64-byte IPC handle of an allocation base (memory from cuMemAlloc, not from async pools). */
    public byte[] ipcHandle(long allocationBase) {
        makeCurrent();
        CUipcMemHandle h = new CUipcMemHandle();
        try {
            JCudaDriver.cuIpcGetMemHandle(h, DevPtr.of(allocationBase));
        } catch (RuntimeException e) {
            throw new KvTransferException("cuIpcGetMemHandle(0x" + Long.toHexString(allocationBase) + ") on " + this + " failed: " + e.getMessage(), e);
        }
        try {
            return ((byte[]) IPC_BYTES.get(h)).clone();
        } catch (IllegalAccessException e) {
            throw new KvTransferException("cannot read CUDA IPC handle", e);
        }
    }

    /** Maps another process's allocation into this context; peer access is enabled lazily by the driver. */
    public long openIpc(byte[] handle) {
        makeCurrent();
        CUipcMemHandle h = new CUipcMemHandle();
        try {
            IPC_BYTES.set(h, handle.clone());
        } catch (IllegalAccessException e) {
            throw new KvTransferException("cannot build CUDA IPC handle", e);
        }
        DevPtr p = new DevPtr();
        try {
            JCudaDriver.cuIpcOpenMemHandle(p, h, CUipcMem_flags.CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS);
        } catch (RuntimeException e) {
            throw new KvTransferException("cuIpcOpenMemHandle on " + this + " failed: " + e.getMessage() + " (handle "
                    + HexFormat.of().formatHex(handle, 0, Math.min(16, handle.length)) + "...)", e);
        }
        return p.raw();
    }

    public void closeIpc(long mapped) {
        makeCurrent();
        try {
            JCudaDriver.cuIpcCloseMemHandle(DevPtr.of(mapped));
        } catch (RuntimeException ignored) {
            // already closed or context torn down
        }
    }

    public void copyHostToDevice(long host, long dev, long bytes) {
        copyFromHost(List.of(new Piece(dev, host, bytes)));
    }

    public void copyDeviceToHost(long dev, long host, long bytes) {
        copyToHost(List.of(new Piece(dev, host, bytes)));
    }

    CUdeviceptr ptr(long address) {
        return DevPtr.of(address);
    }

    @Override
    public String toString() {
        return "cuda:" + ordinal + " (" + uuid + ")";
    }
}
