package ai.baton.engine.spec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NgramProposerTest {
    private static int[] propose(int min, int max, int k, int... tokens) {
        return new NgramProposer(min, max).propose(tokens, tokens.length, k);
    }

    @Test
    void proposesWhatFollowedTheLatestLongestMatch() {
        // suffix [2 3] occurs at 1..2 (followed by 9 8) and at 5..6 (followed by 4 2); [1 2 3] only at 0..2.
        int[] t = {1, 2, 3, 9, 8, 2, 3, 4, 2, 1, 2, 3};
        assertArrayEquals(new int[] {9, 8}, propose(1, 3, 2, t), "the longest suffix (3 tokens) wins");
        assertArrayEquals(new int[] {4, 2}, propose(1, 2, 2, t), "at equal length the latest occurrence wins");
    }

    @Test
    void aLoopContinuesIntoTheDraft() {
        assertArrayEquals(new int[] {7, 7, 7, 7}, propose(1, 3, 4, 5, 7, 7), "period 1");
        assertArrayEquals(new int[] {1, 2, 1, 2, 1}, propose(2, 2, 5, 1, 2, 1, 2), "period 2");
    }

    @Test
    void nothingWithoutARecurringSuffixOfTheMinimumLength() {
        assertEquals(0, propose(1, 3, 4, 1, 2, 3, 4).length);
        assertEquals(0, propose(2, 3, 4, 1, 2, 9, 2).length, "one token recurs, two do not");
        assertEquals(0, propose(1, 3, 0, 1, 1, 1).length, "no room for a draft");
        assertEquals(0, propose(1, 1, 3, 5).length);
    }

    @Test
    void readsOnlyTheGivenLength() {
        int[] t = {4, 5, 4, 5, 99, 99, 99};
        assertArrayEquals(new int[] {4, 5, 4}, new NgramProposer(1, 2).propose(t, 4, 3));
    }

    @Test
    void parsesVllmsJson() {
        assertEquals(new SpeculativeConfig(4, 5, 5), SpeculativeConfig.parse("{\"method\": \"ngram\", \"num_speculative_tokens\": 4}"));
        assertEquals(new SpeculativeConfig(3, 2, 2), SpeculativeConfig.parse("{\"num_speculative_tokens\": 3, \"prompt_lookup_min\": 2}"));
        assertEquals(new SpeculativeConfig(3, 1, 4), SpeculativeConfig.parse("{\"method\":\"ngram\",\"num_speculative_tokens\":3,\"prompt_lookup_min\":1,\"prompt_lookup_max\":4}"));
        assertEquals(SpeculativeConfig.NONE, SpeculativeConfig.parse(null));
        SpeculativeConfig d = SpeculativeConfig.parse("{\"num_speculative_tokens\": 3, \"disable_by_batch_size\": 4}");
        assertEquals(new SpeculativeConfig(3, 5, 5, 4), d);
        assertTrue(d.draftsAt(4) && !d.draftsAt(5) && new SpeculativeConfig(3, 1, 1).draftsAt(1000));
        for (String bad : new String[] {"{", "[]", "{\"method\": \"eagle\", \"num_speculative_tokens\": 2}", "{\"method\": \"ngram\"}",
                "{\"num_speculative_tokens\": -1}", "{\"num_speculative_tokens\": 2, \"prompt_lookup_min\": 3, \"prompt_lookup_max\": 2}",
                "{\"num_speculative_tokens\": 2, \"model\": \"x\"}", "{\"num_speculative_tokens\": 2.5}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpeculativeConfig.parse(bad), bad);
            assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
        }
    }
}
