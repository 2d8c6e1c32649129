package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.baton.engine.Fixtures;
import ai.baton.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The guide over the real Qwen3 vocabulary: random guided generations, and the trie walk against brute force. */
class GuideQwenTest {
    static final int MODEL_VOCAB = 151_936;
    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static Tokenizer tokenizer;
    static GuideVocabulary vocab;
    static Set<Integer> eos;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.dir().resolve("tokenizers/qwen3"));
        eos = qwenEos(tokenizer);
        vocab = GuideVocabulary.of(tokenizer, MODEL_VOCAB, eos);
        CLOSING = java.util.stream.IntStream.range(0, tokenizer.vocabSize()).filter(id -> closes(tokenizer.tokenBytes(id))).toArray();
    }

    static Set<Integer> qwenEos(Tokenizer t) {
        Set<Integer> ids = new HashSet<>();
        t.tokenId("<|im_end|>").ifPresent(ids::add);
        t.tokenId("<|endoftext|>").ifPresent(ids::add);
        return ids;
    }

    static final String PERSON = """
            {"type":"object","properties":{
              "name":{"type":"string","minLength":1,"maxLength":12},
              "age":{"type":"integer"},
              "email":{"type":"string"},
              "tags":{"type":"array","items":{"enum":["a","b","c"]},"maxItems":3},
              "score":{"type":["number","null"]},
              "ok":{"type":"boolean"}},
             "required":["name","age","ok"],"additionalProperties":false}""";
    static final String TREE = """
            {"$defs":{"node":{"type":"object","properties":{"id":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["id"]}},
             "$ref":"#/$defs/node"}""";
    static final String UNION = """
            {"anyOf":[{"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
                      {"type":"array","prefixItems":[{"type":"string","maxLength":3},{"type":"integer"}],"items":false,"minItems":2}]}""";

    @Test
    void randomGuidedOutputsAreValidJsonThatConforms() throws JsonProcessingException {
        for (String schema : List.of(PERSON, TREE, UNION, "{}")) {
            Guide g = Guide.compile(GuideSpec.jsonSchema(schema));
            SchemaConformance check = new SchemaConformance(STRICT.readTree(schema));
            int finished = 0;
            for (int run = 0; run < 200; run++) {
                byte[] out = generate(g, new Random(run * 7919L + schema.length()), 300);
                if (out == null) continue;
                finished++;
                String text = new String(out, StandardCharsets.UTF_8);
                JsonNode value = STRICT.readTree(text);
                assertTrue(check.conforms(value), () -> "does not conform to " + schema + ": " + text);
            }
            assertTrue(finished >= 100, "only " + finished + " of 200 runs finished for " + schema);
        }
    }

    @Test
    void randomJsonObjectOutputsParse() throws JsonProcessingException {
        Guide g = Guide.compile(GuideSpec.jsonObject());
        int finished = 0;
        for (int run = 0; run < 200; run++) {
            byte[] out = generate(g, new Random(run), 300);
            if (out == null) continue;
            finished++;
            assertTrue(STRICT.readTree(new String(out, StandardCharsets.UTF_8)).isObject());
        }
        assertTrue(finished >= 100, "only " + finished + " runs finished");
    }

    /**
     * Draws tokens from the mask until EOS (null if maxSteps run out). Half the draws prefer tokens that
     * close things (quotes, brackets, commas) so that runs finish; EOS is taken as soon as it is allowed.
     */
    static byte[] generate(Guide g, Random rnd, int maxSteps) {
        GuideState s = g.start();
        long[] mask = new long[vocab.maskWords()];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int step = 0; step < maxSteps; step++) {
            s.allowedTokens(vocab, mask);
            int count = 0;
            for (long w : mask) count += Long.bitCount(w);
            int eosAllowed = -1, eosCount = 0;
            for (int id : eos) if (isSet(mask, id)) { eosAllowed = id; eosCount++; }
            assertTrue(count > 0, () -> "empty mask after " + out.toString(StandardCharsets.UTF_8));
            if (s.isComplete()) assertEquals(eosCount, count, "a complete output allows only EOS");
            assertEquals(s.canEnd(), eosAllowed >= 0);
            if (eosAllowed >= 0 && (s.isComplete() || rnd.nextInt(4) != 0)) {
                assertTrue(s.accept(vocab, eosAllowed));
                assertTrue(s.isComplete());
                return out.toByteArray();
            }
            int token = -1;
            if (rnd.nextBoolean() || step > maxSteps / 2) {
                List<Integer> closing = new ArrayList<>();
                for (int id : CLOSING) if (isSet(mask, id)) closing.add(id);
                if (!closing.isEmpty()) token = closing.get(rnd.nextInt(closing.size()));
            }
            if (token < 0) token = nthSetBit(mask, rnd.nextInt(count));
            if (eos.contains(token)) continue;
            assertTrue(s.accept(vocab, token), "a token from the mask is accepted");
            out.writeBytes(tokenizer.tokenBytes(token));
        }
        return null;
    }

    static boolean isSet(long[] mask, int id) { return (mask[id >> 6] >>> id & 1) != 0; }

    static int nthSetBit(long[] mask, int n) {
        for (int w = 0; w < mask.length; w++) {
            int c = Long.bitCount(mask[w]);
            if (n < c) {
                long bits = mask[w];
                for (int i = 0; i < n; i++) bits &= bits - 1;
                return w * 64 + Long.numberOfTrailingZeros(bits);
            }
            n -= c;
        }
        throw new IllegalStateException();
    }

    /** Short tokens that close or separate things, drawn from half the time so that runs finish. */
    static int[] CLOSING;

    private static boolean closes(byte[] b) {
        if (b == null || b.length > 3) return false;
        for (byte x : b) if (x == '"' || x == '}' || x == ']' || x == ',' || x == ':' || (x >= '0' && x <= '9')) return true;
        return false;
    }

    @Test
    void trieWalkEqualsBruteForceAtChosenStates() {
        Guide object = Guide.compile(GuideSpec.jsonObject());
        Guide person = Guide.compile(GuideSpec.jsonSchema(PERSON));
        Object[][] cases = {
                {object, "", null}, {object, "{", null}, {object, "{\"a", null}, {object, "{\"a\":\"x", null},
                {object, "{\"a\":\"x\\", null}, {object, "{\"a\":\"x\\u00", null}, {object, "{\"a\":-", null},
                {object, "{\"a\":12.5", null}, {object, "{\"a\":[", null}, {object, "{\"a\":t", null},
                {object, "{\"a\":1  ", null}, {object, "{\"a\":\"", new byte[] {(byte) 0xE4, (byte) 0xB8}},
                {person, "{", null}, {person, "{\"name\":\"abcdefghij", null}, {person, "{\"name\":\"a\",\"", null},
                {person, "{\"name\":\"a\",\"age\":3", null}, {person, "{\"name\":\"a\",\"age\":3,\"tags\":[\"a\",", null},
                {person, "{\"name\":\"a\",\"age\":3,\"ok\":true}", null},
        };
        for (Object[] c : cases) {
            GuideState s = ((Guide) c[0]).start();
            assertTrue(s.acceptBytes(((String) c[1]).getBytes(StandardCharsets.UTF_8)), (String) c[1]);
            if (c[2] != null) assertTrue(s.acceptBytes((byte[]) c[2]));
            long[] fast = MaskReference.fast(s, vocab);
            assertArrayEquals(MaskReference.bruteForce(s, vocab), fast, () -> "mask differs at " + c[1]);
            assertFalse(MaskReference.ids(fast).isEmpty());
        }
    }

    @Test
    void specialAndAddedTokensAreNeverAllowedButEosIs() {
        GuideState s = Guide.compile(GuideSpec.jsonObject()).start();
        assertTrue(s.acceptBytes("{\"a\":\"".getBytes(StandardCharsets.UTF_8)));
        Set<Integer> ids = MaskReference.ids(MaskReference.fast(s, vocab));
        for (var t : tokenizer.addedTokens()) assertFalse(ids.contains(t.id()), t.content());
        for (int id = tokenizer.vocabSize(); id < MODEL_VOCAB; id++) assertFalse(ids.contains(id));
        assertTrue(ids.size() > 100_000, "inside a string most tokens are allowed: " + ids.size());
        assertTrue(s.acceptBytes("\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(eos, MaskReference.ids(MaskReference.fast(s, vocab)));
    }

    @Test
    void tokenBytesMapByteLevelCharactersBack() {
        int[] ids = tokenizer.encode("{\"名字\": \"é\\n\"}");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int id : ids) all.writeBytes(tokenizer.tokenBytes(id));
        assertEquals("{\"名字\": \"é\\n\"}", all.toString(StandardCharsets.UTF_8));
        int imEnd = tokenizer.tokenId("<|im_end|>").orElseThrow();
        assertArrayEquals("<|im_end|>".getBytes(StandardCharsets.UTF_8), tokenizer.tokenBytes(imEnd));
        assertEquals(null, tokenizer.tokenBytes(-1));
        assertEquals(null, tokenizer.tokenBytes(MODEL_VOCAB));
        // An encoded document is accepted token by token.
        GuideState s = Guide.compile(GuideSpec.jsonObject()).start();
        for (int id : ids) assertTrue(s.accept(vocab, id));
        assertTrue(s.isComplete());
    }
}
