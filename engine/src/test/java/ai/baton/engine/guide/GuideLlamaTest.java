package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.baton.engine.Fixtures;
import ai.baton.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Llama 3 vocabulary works the same way: encoded JSON is accepted and masks match brute force. */
class GuideLlamaTest {
    @Test
    void encodedJsonIsAcceptedAndMasksAreExact() {
        Tokenizer t = Tokenizer.load(Fixtures.dir().resolve("tokenizers/llama3"));
        int eos = t.tokenId("<|eot_id|>").orElseThrow();
        GuideVocabulary vocab = GuideVocabulary.of(t, t.vocabSize(), Set.of(eos));
        Guide g = Guide.compile(GuideSpec.jsonSchema("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"temp\":{\"type\":\"number\"}},\"required\":[\"city\",\"temp\"]}"));
        GuideState s = g.start();
        for (int id : t.encode("{\"city\": \"Zürich\", \"temp\": -3.5}")) assertTrue(s.accept(vocab, id), t.tokenString(id));
        assertTrue(s.isComplete());
        assertTrue(s.accept(vocab, eos));
        for (String prefix : new String[] {"{", "{\"city\": \"Zü", "{\"city\": \"Z\", \"temp\": -3"}) {
            GuideState p = g.start();
            assertTrue(p.acceptBytes(prefix.getBytes(StandardCharsets.UTF_8)));
            assertArrayEquals(MaskReference.bruteForce(p, vocab), MaskReference.fast(p, vocab), prefix);
        }
    }
}
