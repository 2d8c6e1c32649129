package ai.baton.router.cluster;

import picocli.CommandLine.Option;

/** Shape of a local cluster, shared by {@code up} and {@code demo} (a picocli mixin). */
public final class ClusterOptions {
    @Option(names = "--prefill", defaultValue = "1", description = "prefill nodes; 0 = collocated (decode nodes prefill everything) (default: ${DEFAULT-VALUE})")
    public int prefill;

    @Option(names = "--decode", defaultValue = "1", description = "decode nodes (default: ${DEFAULT-VALUE})")
    public int decode;

    @Option(names = "--tp-prefill", defaultValue = "1", description = "tensor-parallel degree of each prefill node (default: ${DEFAULT-VALUE})")
    public int tpPrefill;

    @Option(names = "--tp-decode", defaultValue = "1", description = "tensor-parallel degree of each decode node (default: ${DEFAULT-VALUE})")
    public int tpDecode;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "HTTP bind address of the router (default: ${DEFAULT-VALUE})")
    public String host;

    @Option(names = "--port", defaultValue = "8000", description = "HTTP port of the router (default: ${DEFAULT-VALUE})")
    public int port;

    @Option(names = "--registry-port", defaultValue = "0", description = "the router's registry gRPC port, 0 = any free port (default: ${DEFAULT-VALUE})")
    public int registryPort;

    @Option(names = "--kv-blocks", defaultValue = "0", description = "KV blocks per node rank, 0 = the node's default")
    public int kvBlocks;

    @Option(names = "--kv-cache-mib", defaultValue = "0", description = "KV cache memory per node rank when --kv-blocks is 0; 0 = the node's default")
    public long kvCacheMib;

    @Option(names = "--kv-offload-mib", defaultValue = "0", description = "host memory per node rank for KV blocks evicted from the prefix cache (a second cache tier); 0 = off")
    public long kvOffloadMib;

    @Option(names = "--max-batch-tokens", defaultValue = "0", description = "token budget of one engine step on every node, 0 = the node's default")
    public int maxBatchTokens;

    @Option(names = "--max-seqs", defaultValue = "0", description = "sequences running at once on every node, 0 = the node's default")
    public int maxSeqs;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads per node, 0 = the cores shared among the nodes")
    public int threads;

    @Option(names = "--speculative-config", description = "speculative decoding on the decode nodes, vLLM's JSON, e.g. '{\"method\": \"ngram\", \"num_speculative_tokens\": 4}' (default: off)")
    public String speculativeConfig;

    @Option(names = "--scheduling-policy", defaultValue = "fcfs",
            description = "every node's: fcfs, or priority (requests' priority field, lower first; the router's queue follows it too) (default: ${DEFAULT-VALUE})")
    public String schedulingPolicy;

    @Option(names = "--run-dir", description = "where node logs go (default: runs/<timestamp>)")
    public java.nio.file.Path runDir;

    @Option(names = "--ready-timeout-s", defaultValue = "300", description = "how long nodes may take to start (default: ${DEFAULT-VALUE})")
    public int readyTimeoutS;

    public void validate() {
        if (prefill < 0 || decode < 1) throw new IllegalArgumentException("need --decode >= 1 and --prefill >= 0");
        if (tpPrefill < 1 || tpDecode < 1) throw new IllegalArgumentException("--tp-prefill and --tp-decode must be >= 1");
        if (kvBlocks < 0 || threads < 0) throw new IllegalArgumentException("--kv-blocks and --threads must be >= 0");
        if (kvCacheMib < 0 || kvOffloadMib < 0 || maxBatchTokens < 0 || maxSeqs < 0)
            throw new IllegalArgumentException("--kv-cache-mib, --kv-offload-mib, --max-batch-tokens and --max-seqs must be >= 0");
        if (port < 0 || port > 65535 || registryPort < 0 || registryPort > 65535) throw new IllegalArgumentException("ports must be in 0..65535");
        ai.baton.engine.spec.SpeculativeConfig.parse(speculativeConfig);  // a bad one fails here, not in every node
        if (schedulingPolicy != null) ai.baton.engine.sched.SchedulingPolicy.parse(schedulingPolicy);
    }
}
