package ai.baton.experiments.bench;

import ai.baton.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The random and ShareGPT datasets, on the real Qwen3 tokenizer. */
class DatasetTest {
    static Tokenizer qwen3;

    @BeforeAll
    static void load() {
        qwen3 = Tokenizer.load(Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures"), "tokenizers", "qwen3"));
    }

    @Test
    void randomPromptsReencodeToTheirLength() {
        List<SampleRequest> s = RandomDataset.sample(20, 200, 50, 0.0, qwen3, 0);
        for (SampleRequest r : s) {
            assertEquals(r.promptLen(), qwen3.encode(r.prompt()).length, "reported length is the tokenizer's");
            assertTrue(Math.abs(r.promptLen() - 200) <= 2, "close to the target: " + r.promptLen());
            assertEquals(50, r.outputLen());
            assertFalse(r.prompt().contains("<|"), "no special tokens drawn");
        }
        assertEquals(s.get(3).prompt(), RandomDataset.sample(20, 200, 50, 0.0, qwen3, 0).get(3).prompt(), "seeded");
    }

    @Test
    void rangeRatioSpreadsLengthsUniformly() {
        Random r = new Random(1);
        int lo = Integer.MAX_VALUE, hi = 0;
        for (int i = 0; i < 5000; i++) {
            int x = RandomDataset.uniform(r, 320, 0.6);
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        assertEquals(128, lo);
        assertEquals(512, hi);
        List<SampleRequest> ids = RandomDataset.sample(5, 10, 4, 0.0, 0.5, null, 0);
        for (SampleRequest s : ids) {
            assertEquals(10, s.promptIds().length, "token-id prompts are exact");
            assertTrue(s.outputLen() >= 2 && s.outputLen() <= 6);
        }
        assertThrows(IllegalArgumentException.class, () -> RandomDataset.sample(1, 10, 4, 1.0, null, 0));
    }

    @Test
    void sharegptFirstTwoTurnsFilteredAndShuffled(@TempDir Path dir) throws Exception {
        String conv = """
                [
                 {"id": "a", "conversations": [{"from": "human", "value": "Tell me a story about a dragon who learned to paint."},
                                               {"from": "gpt", "value": "Once upon a time a dragon found a brush by the river and began to paint."},
                                               {"from": "human", "value": "ignored third turn"}]},
                 {"id": "b", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello! How can I help you today, friend?"}]},
                 {"id": "c", "conversations": [{"from": "human", "value": "only one turn"}]},
                 {"id": "d", "conversations": [{"from": "human", "value": "What is the capital city of France, please?"},
                                               {"from": "gpt", "value": "The capital of France is Paris, on the Seine."}]}
                ]""";
        Path f = dir.resolve("sg.json");
        Files.writeString(f, conv);
        assertEquals(3, ShareGptDataset.readPairs(f).size(), "conversations with two turns");
        List<SampleRequest> s = ShareGptDataset.sample(f, 5, qwen3, 0, 0);
        assertEquals(5, s.size(), "too few valid pairs are reused");
        for (SampleRequest r : s) {
            assertFalse(r.prompt().equals("hi"), "a prompt under 4 tokens is skipped");
            assertEquals(qwen3.encode(r.prompt()).length, r.promptLen());
            assertTrue(r.outputLen() >= 4);
        }
        List<SampleRequest> fixed = ShareGptDataset.sample(f, 2, qwen3, 33, 0);
        assertEquals(33, fixed.get(0).outputLen());
        assertTrue(ShareGptDataset.valid(1024, 1024, false));
        assertFalse(ShareGptDataset.valid(1025, 10, false));
        assertFalse(ShareGptDataset.valid(1000, 1049, false));
        assertThrows(IllegalArgumentException.class, () -> ShareGptDataset.sample(f, 1, null, 0, 0));
    }
}
