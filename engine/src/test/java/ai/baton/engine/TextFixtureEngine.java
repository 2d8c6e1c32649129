package ai.baton.engine;

import ai.baton.engine.sampling.SamplingParams;

/** The text fixture (qwen3-text-tiny: real Qwen3 tokenizer, random weights) in an engine, and a chat prompt for it. */
final class TextFixtureEngine {
    /** A rendered one-turn chat prompt. */
    static final int[] CHAT_PROMPT = {151644, 872, 198, 40451, 752, 264, 3364, 911, 264, 12305, 13, 151645, 198};

    private TextFixtureEngine() {}

    static LlmEngine open() {
        return LlmEngine.open(EngineConfig.forModel(Fixtures.model("qwen3-text-tiny")).withThreads(2).withKvBlocks(256));
    }

    /** Runs the chat prompt to the end, alone. */
    static Collector run(LlmEngine engine, SamplingParams p) {
        Collector c = new Collector();
        engine.submit(null, CHAT_PROMPT, p, c);
        engine.runUntilIdle();
        return c;
    }

    /**
     * The chat prompt handed over as in a disaggregated cluster: a one-token prefill that keeps its KV blocks, then a
     * request that adopts them with that first token. Returns the tokens of the second.
     */
    static int[] handedOver(LlmEngine engine, String id, SamplingParams p) {
        Collector first = new Collector();
        engine.submitHolding(id + "-prefill", CHAT_PROMPT, p.withMaxTokens(1), first);
        engine.runUntilIdle();
        int[] held = engine.takeHeld(id + "-prefill"); // the KV stays in these blocks; the decode request adopts them
        Collector rest = new Collector();
        engine.admitPrefilled(id + "-decode", CHAT_PROMPT, first.tokens()[0], p, held, rest);
        engine.runUntilIdle();
        return rest.tokens();
    }
}
