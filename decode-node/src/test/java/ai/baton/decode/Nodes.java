package ai.baton.decode;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.LlmEngine;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.node.GrpcServers;
import ai.baton.node.kv.KvSender;
import ai.baton.node.kv.KvEngine;
import ai.baton.prefill.PrefillNode;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Real nodes for tests: CPU engines on the fixture with their KV caches in kv-transfer pools (as the node commands
 * run them), real gRPC on localhost, real kv-transfer (UCX) between them.
 */
final class Nodes {
    private Nodes() {}

    static EngineConfig engineConfig(int tp) {
        return EngineConfig.forModel(Fixture.model()).withThreads(1).withTensorParallel(tp).withKvBlocks(512).withMaxBatchTokens(256);
    }

    static LlmEngine engine(int tp) { return LlmEngine.open(engineConfig(tp)); }

    static KvAgentConfig kv(String name) {
        return KvAgentConfig.builder().name(name).heartbeat(Duration.ofMillis(200), Duration.ofSeconds(2)).cancelGrace(Duration.ofMillis(500)).build();
    }

    static PrefillNode prefill(String name, int tp) { return prefill(name, tp, s -> s); }

    /** {@code wrap} decorates the KV sender (tests inject failures there). */
    static PrefillNode prefill(String name, int tp, UnaryOperator<KvSender> wrap) {
        KvEngine kv = KvEngine.open(engineConfig(tp), kv(name));
        KvSender sender = wrap.apply(kv.sender());
        return PrefillNode.builder().engine(kv.engine()).kvSender(sender).server(GrpcServers.forPort("127.0.0.1", 0)).nodeId(name)
                .modelName("qwen3-text-tiny").transferTimeout(Duration.ofSeconds(20)).start();
    }

    static DecodeNode decode(String name, int tp) { return decode(name, tp, System::nanoTime, Duration.ofSeconds(60)); }

    static DecodeNode decode(String name, int tp, LongSupplier clock, Duration lease) {
        KvEngine kv = KvEngine.open(engineConfig(tp), kv(name));
        return DecodeNode.builder().engine(kv.engine()).kvReceiver(kv.receiver()).server(GrpcServers.forPort("127.0.0.1", 0)).nodeId(name)
                .modelName("qwen3-text-tiny").lease(lease).clock(clock).start();
    }
}
