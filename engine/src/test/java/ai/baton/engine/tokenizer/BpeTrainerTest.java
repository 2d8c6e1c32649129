package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    @TempDir
    static Path tmp;
    static Path dir;
    static Tokenizer tok;

    @BeforeAll
    static void trainOnTheBundledCorpus() {
        String corpus = BpeTrainer.bundledCorpus();
        assertTrue(corpus.length() > 30_000, "the bundled corpus should be 30-60 KB");
        dir = tmp.resolve("trained");
        long t0 = System.nanoTime();
        BpeTrainer.train(corpus, 2048, dir);
        System.out.printf("[tokenizer] trained a 2048-token BPE on %d KB in %.0f ms%n", corpus.length() / 1024, (System.nanoTime() - t0) / 1e6);
        tok = Tokenizer.load(dir);
    }

    @Test
    void vocabularyLayout() {
        assertEquals(2048, tok.vocabSize());
        assertEquals(2048 - 3 - 256, tok.mergeCount());
        for (int b = 0; b < 256; b++) assertEquals(String.valueOf(ByteLevelAlphabet.charOf(b)), tok.tokenString(b));
        assertEquals(2045, tok.tokenId("<|endoftext|>").orElseThrow());
        assertEquals(2046, tok.tokenId("<|im_start|>").orElseThrow());
        assertEquals(2047, tok.tokenId("<|im_end|>").orElseThrow());
        assertTrue(tok.isSpecial(2047));
        assertTrue(tok.tokenId("Ġthe").isPresent(), "a common word should be a single token");
    }

    @Test
    void roundTripsArbitraryText() {
        List<String> texts = List.of("The lighthouse keeper wrote in his ledger.", "def f(x):\n    return x ** 2\n",
                "emoji 😀🎉👍🏽 and 🇫🇷 flags", "中文测试：你好，世界！ 日本語のテキスト 한국어", "  leading and trailing  ", "\t\r\n\u00a0\u3000",
                "Zürich naïve café", "1234567890 3.14159 -42", "");
        for (String t : texts) assertEquals(t, tok.decode(tok.encode(t)), t);
        Random rnd = new Random(3);
        for (int n = 0; n < 200; n++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 30; k++) {
                int cp = switch (rnd.nextInt(4)) {
                    case 0 -> 0x20 + rnd.nextInt(0x5F);
                    case 1 -> 0xA0 + rnd.nextInt(0x2000);
                    case 2 -> 0x4E00 + rnd.nextInt(0x5000);
                    default -> 0x1F300 + rnd.nextInt(0x300);
                };
                sb.appendCodePoint(cp);
            }
            // NFC may recompose the random text, so compare against its normalized form
            String text = java.text.Normalizer.normalize(sb.toString(), java.text.Normalizer.Form.NFC);
            assertEquals(text, tok.decode(tok.encode(text)));
        }
    }

    @Test
    void compressesEnglish() {
        String text = "The garden in July had stopped asking for help and started giving orders.";
        int[] ids = tok.encode(text);
        assertTrue(ids.length < text.length() / 2, "expected real merges, got " + ids.length + " ids for " + text.length() + " chars");
    }

    @Test
    void specialTokensAndChatTemplate() {
        int[] ids = tok.encode("<|im_start|>user\nhi<|im_end|>\n<|endoftext|>");
        assertEquals(2046, ids[0]);
        assertTrue(contains(ids, 2047) && contains(ids, 2045));
        assertEquals("user\nhi\n", tok.decode(ids, true));
        TokenizerConfig c = tok.config();
        assertEquals("<|im_end|>", c.eosToken());
        assertNull(c.bosToken());
        assertEquals(BpeTrainer.CHAT_TEMPLATE, c.chatTemplate());
        assertEquals(2047, tok.eosTokenId().orElseThrow());
    }

    /**
     * HF read the file this trainer writes (hf-trained.json, made by gen_hf_pipeline.py) and must agree with
     * Baton on every id. The pinned hash also guards the demo model: its weights are only valid for these ids.
     * If the corpus or the trainer changes on purpose, regenerate hf-trained.json.
     */
    @Test
    void hfReadsTheTrainedTokenizerTheSameWay() throws Exception {
        JsonNode expected;
        try (var in = BpeTrainerTest.class.getResourceAsStream("hf-trained.json")) {
            expected = TestTokenizers.MAPPER.readTree(in);
        }
        byte[] file = Files.readAllBytes(dir.resolve("tokenizer.json"));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file));
        assertEquals(expected.get("tokenizer_json_sha256").asText(), sha, "the trained tokenizer.json changed: regenerate hf-trained.json");
        for (JsonNode c : expected.get("cases")) {
            String text = c.get("text").asText();
            int[] ids = TestTokenizers.ints(c.get("ids"));
            assertArrayEquals(ids, tok.encode(text), text);
            assertEquals(c.get("decoded").asText(), tok.decode(ids), text);
        }
        assertArrayEquals(TestTokenizers.ints(expected.get("chat_ids")), tok.encode(expected.get("chat_rendered").asText()));
        assertEquals(expected.get("eos_id").asInt(), tok.eosTokenId().orElseThrow());
        assertEquals(expected.get("hf_len").asInt(), tok.vocabSize());
    }

    @Test
    void deterministic() throws Exception {
        Path again = tmp.resolve("again");
        BpeTrainer.train(BpeTrainer.bundledCorpus(), 2048, again);
        assertEquals(Files.readString(dir.resolve("tokenizer.json")), Files.readString(again.resolve("tokenizer.json")));
        assertEquals(Files.readString(dir.resolve("tokenizer_config.json")), Files.readString(again.resolve("tokenizer_config.json")));
    }

    @Test
    void smallCorpusStopsEarlyAndTiesBreakBySmallerIds() {
        // words: "ab", " ab", " cd" twice; pairs (a,b), (space,c) and (c,d) occur twice each, (space,a) once
        BpeTrainer.Learned l = BpeTrainer.learn("ab ab cd cd", 1000);
        assertArrayEquals(new int[] {' ', 'c'}, l.merges().get(0), "ties go to the smaller left id (the space byte, 32)");
        assertArrayEquals(new int[] {'a', 'b'}, l.merges().get(1));
        assertTrue(l.tokens().size() < 1000);
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train("x", 100, tmp.resolve("tiny")));
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}
