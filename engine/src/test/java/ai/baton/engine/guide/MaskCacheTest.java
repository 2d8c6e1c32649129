package ai.baton.engine.guide;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cached masks are the masks: random guided walks over the real Qwen3 vocabulary, each step's mask from a shared
 * cache against one computed afresh, for a JSON schema (strings, numbers, nesting), a regular expression and a JSON
 * object; and the cache is hit.
 */
class MaskCacheTest {
    private static final String SCHEMA = """
            {"type": "object", "properties": {"name": {"type": "string", "maxLength": 12}, "tags": {"type": "array",
             "items": {"enum": ["a", "bb", "ccc"]}}, "n": {"type": "number"}, "nested": {"type": "object",
             "properties": {"ok": {"type": "boolean"}}}}, "required": ["name", "tags", "n", "nested"]}""";

    @BeforeAll
    static void load() { GuideQwenTest.load(); }

    @Test
    void cachedMasksEqualFreshOnesAlongRandomWalks() {
        MaskCache shared = new MaskCache(512);
        int steps = 0;
        for (GuideSpec spec : List.of(GuideSpec.jsonSchema(SCHEMA), GuideSpec.regex("([a-z]+ ){2,6}[0-9]{1,3}"), GuideSpec.jsonObject())) {
            Guide g = Guide.compile(spec);
            for (int walk = 0; walk < 6; walk++) {
                Random rnd = new Random(walk);
                RequestGuide cached = new RequestGuide(g.start(), GuideQwenTest.vocab, shared);
                RequestGuide fresh = new RequestGuide(g.start(), GuideQwenTest.vocab, new MaskCache(0));
                for (int i = 0; i < 60; i++, steps++) {
                    long[] want = fresh.allowedTokens().clone();
                    assertArrayEquals(want, cached.allowedTokens(), spec + ", walk " + walk + ", step " + i);
                    int token = pick(want, rnd);
                    if (token < 0 || GuideQwenTest.eos.contains(token)) break;
                    assertTrue(fresh.accept(token) && cached.accept(token));
                }
            }
        }
        assertTrue(shared.size() < steps / 2, shared.size() + " masks cached for " + steps + " steps: states repeat");
    }

    /** A random allowed token, short ones preferred so that walks go deep (-1 when none). */
    private static int pick(long[] mask, Random rnd) {
        int n = 0;
        int[] ids = new int[GuideQwenTest.MODEL_VOCAB];
        for (int t = 0; t < GuideQwenTest.MODEL_VOCAB; t++)
            if ((t >> 6) < mask.length && (mask[t >> 6] >>> t & 1) != 0) ids[n++] = t;
        if (n == 0) return -1;
        int best = ids[rnd.nextInt(n)];
        for (int k = 0; k < 3; k++) {
            int c = ids[rnd.nextInt(n)];
            byte[] b = GuideQwenTest.tokenizer.tokenBytes(c), bb = GuideQwenTest.tokenizer.tokenBytes(best);
            if (b != null && (bb == null || b.length < bb.length)) best = c;
        }
        return best;
    }
}
