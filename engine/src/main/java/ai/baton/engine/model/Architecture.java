package ai.baton.engine.model;

import ai.baton.engine.EngineException;

/** The decoder-only architectures Baton runs; they differ only in a few flags of one forward pass. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", false, false),
    QWEN2("Qwen2ForCausalLM", true, false),
    QWEN3("Qwen3ForCausalLM", false, true);

    public final String hfName;
    /** q/k/v projections carry a bias (Qwen2). */
    public final boolean qkvBias;
    /** RMSNorm over each head of q and k before RoPE (Qwen3). */
    public final boolean qkNorm;

    Architecture(String hfName, boolean qkvBias, boolean qkNorm) {
        this.hfName = hfName;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    public static Architecture fromHf(String name) {
        for (Architecture a : values()) if (a.hfName.equals(name)) return a;
        throw new EngineException("unsupported architecture " + name + " (supported: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)");
    }
}
