package ai.baton.kvtransfer.cuda;

import java.util.function.Supplier;

/**
 * Which way one CUDA IPC write is copied, and why. The batched kernel wins when a write has many segments (each
 * cuMemcpy costs ~2 us of driver time); a single segment gains nothing from it, and the kernel needs its fatbin
 * and, for memory owned by another device, peer access from the source device.
 */
public enum KvCopyPath {
    KERNEL, MEMCPY;

    /** A path and, for a fallback to memcpy, the reason (null when the configured mode was simply followed). */
    public record Decision(KvCopyPath path, String reason) {}

    /**
     * @param kernelUnavailable why the kernel cannot run on the source device (null: it can); asked only if needed
     *                          because it loads the kernel
     * @param peerUnavailable   why the source device cannot address the destination memory directly (null: it can)
     */
    public static Decision choose(KvCopyMode mode, int segments, Supplier<String> kernelUnavailable, Supplier<String> peerUnavailable) {
        if (mode == KvCopyMode.MEMCPY) return new Decision(MEMCPY, null);
        if (segments <= 1) return new Decision(MEMCPY, "one segment");
        String why = kernelUnavailable.get();
        if (why != null) return new Decision(MEMCPY, why);
        why = peerUnavailable.get();
        if (why != null) return new Decision(MEMCPY, why);
        return new Decision(KERNEL, null);
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
