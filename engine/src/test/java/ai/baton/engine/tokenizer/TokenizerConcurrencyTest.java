package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One Tokenizer is shared by all request threads: concurrent encodes must agree with sequential ones. */
class TokenizerConcurrencyTest {
    @Test
    void concurrentEncodesMatchSequential() throws Exception {
        Tokenizer tok = TestTokenizers.llama3();
        List<String> texts = new ArrayList<>();
        for (JsonNode c : TestTokenizers.hfExtra().get("llama3").get("encode")) texts.add(c.get("text").asText());
        List<int[]> expected = new ArrayList<>();
        for (String t : texts) expected.add(tok.encode(t));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<List<int[]>>> futures = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                futures.add(pool.submit(() -> {
                    List<int[]> out = new ArrayList<>();
                    for (String t : texts) out.add(tok.encode(t));
                    return out;
                }));
            }
            for (Future<List<int[]>> f : futures) {
                List<int[]> got = f.get();
                for (int i = 0; i < texts.size(); i++) assertArrayEquals(expected.get(i), got.get(i));
            }
        }
    }
}
