package ai.baton.kvtransfer.cuda;

/**
 * What a device's CUDA IPC writes have done so far, so that a benchmark can say which copy path ran: writes copied
 * by the batched kernel (and their descriptors), writes copied by cuMemcpy (and their copies), and the reason of
 * the last fallback to cuMemcpy, if any.
 */
public record KvCopyCounts(long kernelWrites, long kernelSegments, long memcpyWrites, long memcpyCopies, String lastFallback) {

    /** Counts since {@code before}. */
    public KvCopyCounts since(KvCopyCounts before) {
        return new KvCopyCounts(kernelWrites - before.kernelWrites, kernelSegments - before.kernelSegments,
                memcpyWrites - before.memcpyWrites, memcpyCopies - before.memcpyCopies, lastFallback);
    }

    /** "kernel", "memcpy", "kernel+memcpy" or "none". */
    public String path() {
        if (kernelWrites > 0 && memcpyWrites > 0) return "kernel+memcpy";
        if (kernelWrites > 0) return "kernel";
        return memcpyWrites > 0 ? "memcpy" : "none";
    }
}
