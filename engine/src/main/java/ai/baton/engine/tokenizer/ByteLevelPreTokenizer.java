package ai.baton.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ByteLevel} pre-tokenizer: optionally prefixes a space and splits with GPT-2's regex, then
 * rewrites each word as its UTF-8 bytes in the byte-level alphabet (the form BPE vocabularies use).
 */
final class ByteLevelPreTokenizer implements PreTokenizer {
    private final boolean addPrefixSpace;
    private final PreTokenizer gpt2Split; // GPT-2's split regex, when use_regex is set

    ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex) {
        this.addPrefixSpace = addPrefixSpace;
        this.gpt2Split = useRegex ? FastSplit.forRegex(FastSplit.GPT2_REGEX) : null;
    }

    @Override public boolean mapsToBytes() { return true; }

    @Override public void split(String piece, List<String> out) {
        // HF prefixes every piece that reaches this step, not only the start of the text
        if (addPrefixSpace && !piece.startsWith(" ")) piece = " " + piece;
        if (gpt2Split == null) {
            if (!piece.isEmpty()) out.add(ByteLevelAlphabet.encode(piece));
            return;
        }
        List<String> words = new ArrayList<>();
        gpt2Split.split(piece, words);
        for (String w : words) out.add(ByteLevelAlphabet.encode(w));
    }
}
