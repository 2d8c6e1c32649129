package ai.baton.engine.model;

import ai.baton.engine.Collector;
import ai.baton.engine.EngineConfig;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.template.ChatTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded default model is self-contained: it loads and generates with its own tokenizer and template. */
class DemoModelTest {
    @Test
    void createsALoadableModel(@TempDir Path dir) {
        Path m = DemoModel.create(dir.resolve("demo"));
        try (LlmEngine e = LlmEngine.open(EngineConfig.forModel(m).withThreads(2).withKvBlocks(64))) {
            String prompt = ChatTemplate.fromTokenizerDir(m).orElseThrow()
                    .render(List.of(Map.of("role", "user", "content", "Hello there")), true, Map.of());
            int[] ids = e.tokenizer().encode(prompt, false);
            assertEquals(e.tokenizer().tokenId("<|im_start|>").orElseThrow(), ids[0]);
            Collector c = new Collector();
            e.submit(null, ids, SamplingParams.greedy(8).withIgnoreEos(true), c);
            e.runUntilIdle();
            assertEquals(8, c.tokens().length);
            assertTrue(e.tokenizer().vocabSize() <= e.modelConfig().vocabSize());
        }
        assertEquals(m, DemoModel.create(m), "a second call reuses the model");
    }
}
