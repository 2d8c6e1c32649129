package ai.baton.engine;

import ai.baton.engine.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Greedy generation through the whole engine (scheduler, paged cache, sampler) against HF's greedy tokens. */
class EngineGreedyTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "qwen3-tiny-bf16", "llama3-tiny", "qwen2-tiny"})
    void greedyTokensMatchHuggingFace(String name) {
        Path dir = Fixtures.model(name);
        try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(dir).withThreads(2).withKvBlocks(128))) {
            List<int[]> expected = new ArrayList<>();
            List<Collector> got = new ArrayList<>();
            for (JsonNode c : Fixtures.json(dir.resolve("expected.json")).get("cases")) {
                int[] prompt = Fixtures.ints(c.get("prompt"));
                int[] greedy = Fixtures.ints(c.get("greedy"));
                Collector col = new Collector();
                engine.submit(null, prompt, SamplingParams.greedy(greedy.length).withIgnoreEos(true), col);
                expected.add(greedy);
                got.add(col);
            }
            engine.runUntilIdle(); // all cases batched together
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), got.get(i).tokens(), name + " case " + i);
                assertEquals(FinishReason.LENGTH, got.get(i).finish());
            }
            assertEquals(0, engine.stats().kvBlocksUsed(), "every KV block back in the pool");
        }
    }

    @Test
    void qwen3TextFixtureGivesExactIdsAndText() {
        Path dir = Fixtures.model("qwen3-text-tiny");
        try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(dir).withThreads(2).withKvBlocks(64))) {
            for (JsonNode c : Fixtures.json(dir.resolve("expected.json")).get("cases")) {
                int[] prompt = Fixtures.ints(c.get("prompt_ids"));
                Collector col = new Collector();
                engine.submit(null, prompt, SamplingParams.greedy(20).withIgnoreEos(true), col);
                engine.runUntilIdle();
                assertArrayEquals(Fixtures.ints(c.get("greedy_ids")), col.tokens());
                assertEquals(c.get("greedy_text").asText(), col.text());
            }
        }
    }
}
