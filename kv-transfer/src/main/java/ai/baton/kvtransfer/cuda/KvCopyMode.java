package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.KvTransferException;

import java.util.Locale;

/**
 * How CUDA IPC writes are copied: {@code kernel} (one launch of the batched copy kernel per write, the default where
 * it can run) or {@code memcpy} (one cuMemcpy per contiguous run). Chosen by {@code -Dbaton.kv.copy} or
 * {@code BATON_KV_COPY}, read at every write so a benchmark can compare both in one process.
 */
public enum KvCopyMode {
    KERNEL, MEMCPY;

    public static final String PROPERTY = "baton.kv.copy";
    public static final String ENV = "BATON_KV_COPY";

    /** The configured mode: the system property, else the environment, else {@link #KERNEL}. */
    public static KvCopyMode current() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) v = System.getenv(ENV);
        return parse(v);
    }

    public static KvCopyMode parse(String value) {
        if (value == null || value.isBlank()) return KERNEL;
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "kernel" -> KERNEL;
            case "memcpy" -> MEMCPY;
            default -> throw new KvTransferException("unknown KV copy mode '" + value + "' (" + ENV + " / -D" + PROPERTY
                    + ": kernel or memcpy)");
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
