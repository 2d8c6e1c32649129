package ai.baton.engine.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The stages of a Qwen-style encode, callable one at a time for RouterLatencyBench: NFC, the Qwen2 split regex, and
 * the byte-level mapping of each word. (In the tokenizer's package so it can reach the package-private pieces; the
 * router latency benchmark is its only user.)
 */
public final class TokenizerStages {
    private static final PreTokenizer SPLIT = FastSplit.forRegex(FastSplit.QWEN2_REGEX);

    private TokenizerStages() {}

    public static String nfc(String text) { return Normalizer.normalize(text, Normalizer.Form.NFC); }

    /** The Qwen2 regex split alone; returns the number of words. */
    public static int split(String text) {
        List<String> words = new ArrayList<>();
        SPLIT.split(text, words);
        return words.size();
    }

    /** The split plus the byte-level mapping of each word (what reaches BPE); returns the total word chars. */
    public static int splitAndMap(String text) {
        List<String> words = new ArrayList<>();
        SPLIT.split(text, words);
        int n = 0;
        for (String w : words) n += ByteLevelAlphabet.encode(w).length();
        return n;
    }
}
