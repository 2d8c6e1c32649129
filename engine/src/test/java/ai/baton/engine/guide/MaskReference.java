package ai.baton.engine.guide;

import java.util.Set;
import java.util.TreeSet;

/** The mask computed the slow way, token by token, to check the trie walk against. */
final class MaskReference {
    private MaskReference() {}

    static long[] bruteForce(GuideState state, GuideVocabulary vocab) {
        long[] mask = new long[vocab.maskWords()];
        for (int id = 0; id < vocab.vocabSize(); id++) {
            if (state.copy().accept(vocab, id)) mask[id >> 6] |= 1L << id;
        }
        return mask;
    }

    static long[] fast(GuideState state, GuideVocabulary vocab) {
        long[] mask = new long[vocab.maskWords()];
        state.allowedTokens(vocab, mask);
        return mask;
    }

    static Set<Integer> ids(long[] mask) {
        Set<Integer> ids = new TreeSet<>();
        for (int w = 0; w < mask.length; w++) {
            for (long bits = mask[w]; bits != 0; bits &= bits - 1) ids.add(w * 64 + Long.numberOfTrailingZeros(bits));
        }
        return ids;
    }
}
