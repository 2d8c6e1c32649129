package ai.baton.kvtransfer;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Settings of a {@link KvAgent}. Transport devices are configuration, not code: {@code ucx("TLS", "tcp")},
 * {@code ucx("NET_DEVICES", "mlx5_0:1")} and the like go straight to UCX (environment variables still apply).
 */
public final class KvAgentConfig {
    final String name;
    final String bindHost;
    final String advertiseHost;
    final int controlPort;
    final Set<TransportKind> transports;
    final List<TransportKind> preference;
    final Map<String, String> ucx;
    final boolean excludeCma;
    final boolean peerErrorModeAcrossHosts;
    final long spinNanos;
    final boolean pollWhileReceiving;
    final Duration heartbeatInterval;
    final Duration heartbeatTimeout;
    final Duration leaseDuration;
    final Duration cancelGrace;
    final Duration transferTimeout;
    final Duration connectTimeout;
    final Duration reapInterval;
    final LongSupplier clock;
    final long stagingSlotBytes;
    final int stagingSlots;
    final long sendStagingBytes;

    private KvAgentConfig(Builder b) {
        name = b.name;
        bindHost = b.bindHost;
        advertiseHost = b.advertiseHost;
        controlPort = b.controlPort;
        transports = EnumSet.copyOf(b.transports);
        preference = List.copyOf(b.preference);
        ucx = Map.copyOf(b.ucx);
        excludeCma = b.excludeCma;
        peerErrorModeAcrossHosts = b.peerErrorModeAcrossHosts;
        spinNanos = b.spinNanos;
        pollWhileReceiving = b.pollWhileReceiving;
        heartbeatInterval = b.heartbeatInterval;
        heartbeatTimeout = b.heartbeatTimeout;
        leaseDuration = b.leaseDuration;
        cancelGrace = b.cancelGrace;
        transferTimeout = b.transferTimeout;
        connectTimeout = b.connectTimeout;
        reapInterval = b.reapInterval;
        clock = b.clock;
        stagingSlotBytes = b.stagingSlotBytes;
        stagingSlots = b.stagingSlots;
        sendStagingBytes = b.sendStagingBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    public Duration leaseDuration() {
        return leaseDuration;
    }

    /** The UCX settings this agent applies: explicit ones, plus {@code TLS=^cma} unless UCX_TLS is set somewhere. */
    public Map<String, String> effectiveUcxConfig() {
        Map<String, String> m = new LinkedHashMap<>(ucx);
        // cma (process_vm_writev) puts to a peer that died never complete and then abort UCX when the worker
        // is destroyed (measured with UCX 1.13); shared-memory puts into UCX-allocated pools are faster anyway.
        if (excludeCma && !m.containsKey("TLS") && System.getenv("UCX_TLS") == null) m.put("TLS", "^cma");
        return m;
    }

    public static final class Builder {
        private String name = "kv";
        private String bindHost = "127.0.0.1";
        private String advertiseHost;
        private int controlPort;
        private Set<TransportKind> transports = EnumSet.allOf(TransportKind.class);
        private List<TransportKind> preference = List.of(TransportKind.CUDA_IPC, TransportKind.UCX, TransportKind.STAGED);
        private final Map<String, String> ucx = new LinkedHashMap<>();
        private boolean excludeCma = true;
        private boolean peerErrorModeAcrossHosts = true;
        private long spinNanos = 2_000_000;
        private boolean pollWhileReceiving;
        private Duration heartbeatInterval = Duration.ofMillis(500);
        private Duration heartbeatTimeout = Duration.ofSeconds(5);
        private Duration leaseDuration = Duration.ofSeconds(30);
        private Duration cancelGrace = Duration.ofSeconds(2);
        private Duration transferTimeout = Duration.ofSeconds(120);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration reapInterval = Duration.ofMillis(20);
        private LongSupplier clock = System::nanoTime;
        private long stagingSlotBytes = 8 << 20;
        private int stagingSlots = 8;
        private long sendStagingBytes = 32 << 20;

        public Builder name(String v) { name = v; return this; }

        /** Address the control listener binds to (default loopback; use 0.0.0.0 or a NIC address across hosts). */
        public Builder bindHost(String v) { bindHost = v; return this; }

        /** Address peers use to reach the control listener (default: the bind address, or this host's name). */
        public Builder advertiseHost(String v) { advertiseHost = v; return this; }

        public Builder controlPort(int v) { controlPort = v; return this; }

        public Builder transports(Set<TransportKind> v) { transports = EnumSet.copyOf(v); return this; }

        /** Order in which transports are tried for a peer pair when none is forced. */
        public Builder preference(List<TransportKind> v) { preference = List.copyOf(v); return this; }

        /** A UCX setting without the UCX_ prefix, e.g. ("TLS", "tcp"). */
        public Builder ucx(String key, String value) { ucx.put(key, value); return this; }

        public Builder excludeCma(boolean v) { excludeCma = v; return this; }

        /** Use UCX peer error handling towards other hosts (no shared memory there to lose). */
        public Builder peerErrorModeAcrossHosts(boolean v) { peerErrorModeAcrossHosts = v; return this; }

        /** How long the progress thread keeps spinning after the last activity before it sleeps. */
        public Builder spin(Duration v) { spinNanos = v.toNanos(); return this; }

        /**
         * Keep the receiver's progress thread polling while senders are admitted, for paths where UCX emulates
         * puts with active messages (memory not allocated by UCX, some TCP setups). Off by default: on the dev
         * host it did not help and it costs a core per receiving agent.
         */
        public Builder pollWhileReceiving(boolean v) { pollWhileReceiving = v; return this; }

        public Builder heartbeat(Duration interval, Duration timeout) { heartbeatInterval = interval; heartbeatTimeout = timeout; return this; }

        public Builder leaseDuration(Duration v) { leaseDuration = v; return this; }

        /** How long a failed receiver waits for senders to confirm they stopped before freeing blocks anyway. */
        public Builder cancelGrace(Duration v) { cancelGrace = v; return this; }

        public Builder transferTimeout(Duration v) { transferTimeout = v; return this; }

        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }

        public Builder reapInterval(Duration v) { reapInterval = v; return this; }

        /** Nanosecond clock for leases and transfer timeouts (inject a fake one in tests). */
        public Builder clock(LongSupplier v) { clock = v; return this; }

        /** Receive-side staging ring of device pools. */
        public Builder stagingRing(long slotBytes, int slots) { stagingSlotBytes = slotBytes; stagingSlots = slots; return this; }

        /** Send-side pinned staging per peer (two halves, double-buffered). */
        public Builder sendStagingBytes(long v) { sendStagingBytes = v; return this; }

        public KvAgentConfig build() {
            if (transports.isEmpty()) throw new IllegalArgumentException("no transports enabled");
            return new KvAgentConfig(this);
        }
    }
}
