package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Prints load and encode timings and guards against gross regressions. The bounds are loose on
 * purpose (CI hosts are shared); on an idle 16-core host a cold qwen3 load took ~0.6 s and a warm
 * 10 KB encode ~1 ms.
 */
class TokenizerPerformanceTest {
    static String text10k() {
        StringBuilder sb = new StringBuilder();
        Random r = new Random(1);
        String[] words = {"the", "model", "serves", "tokens", "quickly", "naïve", "café", "東京", "😀", "don't", "x_1",
                          "(", ")", "{", "}", ";", "\n", "1234", "3.14", "Baton", "prefill", "decode"};
        while (sb.length() < 10_000) sb.append(words[r.nextInt(words.length)]).append(r.nextInt(4) == 0 ? "" : " ");
        return sb.toString();
    }

    @Test
    void loadAndEncodeTimes() {
        long t0 = System.nanoTime();
        Tokenizer tok = Tokenizer.load(TestTokenizers.qwen3Dir());
        double loadMs = (System.nanoTime() - t0) / 1e6;
        String text = text10k();
        double best = Double.MAX_VALUE;
        int n = 0;
        for (int i = 0; i < 30; i++) {
            long s = System.nanoTime();
            n = tok.encode(text).length;
            best = Math.min(best, (System.nanoTime() - s) / 1e6);
        }
        System.out.printf("[tokenizer] qwen3 load %.0f ms; 10 KB encode (%d ids) best of 30: %.2f ms%n", loadMs, n, best);
        assertTrue(loadMs < 10_000, "loading qwen3 tokenizer.json took " + loadMs + " ms");
        assertTrue(best < 200, "encoding 10 KB took " + best + " ms");
    }

    @Test
    void longRunsStayLinear() {
        Tokenizer tok = TestTokenizers.qwen3();
        String text = " ".repeat(100_000) + "x" + "a".repeat(100_000) + "\n".repeat(50_000);
        long t0 = System.nanoTime();
        int[] ids = tok.encode(text);
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf("[tokenizer] 250K chars of runs -> %d ids in %.0f ms%n", ids.length, ms);
        assertTrue(ms < 10_000, "pathological runs took " + ms + " ms");
        assertTrue(tok.decode(ids).equals(text));
    }
}
