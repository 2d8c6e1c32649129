package ai.baton.node;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.sched.SchedulingPolicy;
import ai.baton.engine.spec.SpeculativeConfig;
import ai.baton.kvtransfer.KvAgentConfig;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Command-line options both node kinds share (a picocli mixin). The gRPC and metrics ports are the commands' own. */
public final class NodeOptions {
    @Option(names = "--model", required = true, description = "Hugging Face model directory")
    public Path model;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    public String backend;

    @Option(names = "--tp", defaultValue = "1", description = "tensor-parallel ranks (default: ${DEFAULT-VALUE})")
    public int tp;

    @Option(names = "--gpus", description = "CUDA device of each rank in rank order, e.g. 0,1 (default: 0..tp-1 of CUDA_VISIBLE_DEVICES)")
    public String gpus;

    @Option(names = "--router", description = "the router's registry, host:port (none: run unregistered)")
    public String router;

    @Option(names = "--node-id", description = "this node's id in the registry (default: <role>-<host>-<port>)")
    public String nodeId;

    @Option(names = "--kv-blocks", defaultValue = "0", description = "KV cache blocks per rank, 0 = from --kv-cache-mib")
    public int kvBlocks;

    @Option(names = "--kv-cache-mib", defaultValue = "256", description = "KV cache memory per rank when --kv-blocks is 0 (default: ${DEFAULT-VALUE})")
    public long kvCacheMib;

    @Option(names = "--kv-offload-mib", defaultValue = "0",
            description = "host memory per rank for KV blocks evicted from the prefix cache, copied back when a later prompt shares them; 0 = off (default: ${DEFAULT-VALUE})")
    public long kvOffloadMib;

    @Option(names = "--block-size", defaultValue = "16", description = "tokens per KV block (default: ${DEFAULT-VALUE})")
    public int blockSize;

    @Option(names = "--max-batch-tokens", defaultValue = "512", description = "token budget of one engine step (default: ${DEFAULT-VALUE})")
    public int maxBatchTokens;

    @Option(names = "--max-seqs", defaultValue = "64", description = "sequences running at once (default: ${DEFAULT-VALUE})")
    public int maxSeqs;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads, 0 = all cores")
    public int threads;

    @Option(names = "--speculative-config", description = "speculative decoding as vLLM's JSON, e.g. '{\"method\": \"ngram\", \"num_speculative_tokens\": 4, \"prompt_lookup_max\": 3}' (default: off)")
    public String speculativeConfig;

    @Option(names = "--scheduling-policy", defaultValue = "fcfs",
            description = "fcfs (arrival order) or priority (requests' priority field, lower first, then arrival; the lowest is preempted first) (default: ${DEFAULT-VALUE})")
    public String schedulingPolicy;

    @Option(names = "--bind-host", defaultValue = "0.0.0.0", description = "address the gRPC, metrics and KV listeners bind to (default: ${DEFAULT-VALUE})")
    public String bindHost;

    @Option(names = "--advertise-host", description = "address the router and peers use to reach this node (default: this host's name)")
    public String advertiseHost;

    @Option(names = "--kv-port", defaultValue = "0", description = "kv-transfer control port, 0 = any free port")
    public int kvPort;

    @Option(names = "--ucx", description = "a UCX setting without the UCX_ prefix, e.g. --ucx TLS=tcp (repeatable)")
    public Map<String, String> ucx = new LinkedHashMap<>();

    @Option(names = "--heartbeat-ms", defaultValue = "1000", description = "heartbeat interval until the router sets one (default: ${DEFAULT-VALUE})")
    public long heartbeatMs;

    /** Throws IllegalArgumentException with a one-line message on bad input. */
    public void validate() {
        if (model == null || !Files.isDirectory(model)) throw new IllegalArgumentException("--model: no such directory: " + model);
        if (!Files.isRegularFile(model.resolve("config.json"))) throw new IllegalArgumentException("--model: no config.json in " + model);
        if (!"cpu".equals(backend) && !"cuda".equals(backend)) throw new IllegalArgumentException("--backend must be cpu or cuda, got " + backend);
        if (tp < 1) throw new IllegalArgumentException("--tp must be >= 1");
        if (gpus != null && !gpus.isBlank() && !"cuda".equals(backend)) throw new IllegalArgumentException("--gpus needs --backend cuda");
        if (kvOffloadMib < 0) throw new IllegalArgumentException("--kv-offload-mib must be >= 0");
        engineConfig().devices();  // --gpus: one distinct GPU per rank
        if (kvBlocks < 0) throw new IllegalArgumentException("--kv-blocks must be >= 0");
        if (kvCacheMib < 1) throw new IllegalArgumentException("--kv-cache-mib must be >= 1");
        if (blockSize < 1) throw new IllegalArgumentException("--block-size must be >= 1");
        if (maxBatchTokens < 1) throw new IllegalArgumentException("--max-batch-tokens must be >= 1");
        if (maxSeqs < 1) throw new IllegalArgumentException("--max-seqs must be >= 1");
        if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0");
        if (kvPort < 0 || kvPort > 65535) throw new IllegalArgumentException("--kv-port must be in 0..65535");
        if (heartbeatMs < 10) throw new IllegalArgumentException("--heartbeat-ms must be >= 10");
        if (router != null && !router.matches("[^:\\s]+:\\d{1,5}"))
            throw new IllegalArgumentException("--router must be host:port, got " + router);
    }

    public static void checkPort(String name, int port, boolean allowOff) {
        if (port < (allowOff ? -1 : 0) || port > 65535)
            throw new IllegalArgumentException(name + " must be in " + (allowOff ? "-1" : "0") + "..65535, got " + port);
    }

    public EngineConfig engineConfig() {
        return new EngineConfig(model, null, backend, threads, tp, kvBlocks, kvCacheMib << 20, blockSize, maxBatchTokens,
                maxSeqs, true, 0, EngineConfig.parseGpus(gpus), SpeculativeConfig.parse(speculativeConfig),
                SchedulingPolicy.parse(schedulingPolicy), kvOffloadMib << 20);
    }

    public String advertisedHost() {
        if (advertiseHost != null && !advertiseHost.isBlank()) return advertiseHost;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** The --node-id, or role-host-port (role-host-pid when the port is picked at start). */
    public String nodeId(String role, int port) {
        if (nodeId != null && !nodeId.isBlank()) return nodeId;
        return role + "-" + advertisedHost() + "-" + (port > 0 ? port : ProcessHandle.current().pid());
    }

    /** Settings of the node's kv-transfer agent: control listener on --bind-host:--kv-port, UCX settings from --ucx. */
    public KvAgentConfig.Builder kvAgent(String name) {
        KvAgentConfig.Builder b = KvAgentConfig.builder().name(name).bindHost(bindHost).advertiseHost(advertisedHost()).controlPort(kvPort);
        ucx.forEach(b::ucx);
        return b;
    }

    /** The model's name as nodes report it: the directory's name. */
    public String modelName() {
        return model.toAbsolutePath().normalize().getFileName().toString();
    }
}
