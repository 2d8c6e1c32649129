package ai.baton.node.kv;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.model.ModelConfig;
import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.kvtransfer.KvPool;

import java.nio.file.Path;
import java.util.List;

/**
 * An engine whose KV cache lives in a kv-transfer agent's pools (see {@link KvPoolAllocator}), and that agent.
 * Hand the agent to a {@link UcxKvSender} or {@link UcxKvReceiver}, which then own it. Close the engine before
 * the agent: the agent's close frees the pools' memory.
 */
public record KvEngine(LlmEngine engine, KvAgent agent, List<KvPool> pools) {

    /** Opens the agent, then the engine over it; on failure nothing stays open. */
    public static KvEngine open(EngineConfig config, KvAgentConfig agentConfig) {
        KvAgent agent = KvAgent.create(agentConfig);
        try {
            Path json = config.syntheticConfig() != null ? config.syntheticConfig()
                    : config.modelDir() == null ? null : config.modelDir().resolve("config.json");
            int kvHeads = ModelConfig.load(json).numKvHeads();
            KvPoolAllocator allocator = new KvPoolAllocator(agent, kvHeads, Math.max(1, config.tensorParallel()));
            LlmEngine engine = LlmEngine.open(config, allocator);
            return new KvEngine(engine, agent, allocator.pools());
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    public UcxKvSender sender() { return new UcxKvSender(agent, pools); }

    public UcxKvReceiver receiver() { return new UcxKvReceiver(agent, pools); }
}
