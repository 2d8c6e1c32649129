package ai.baton.experiments.bench;

import ai.baton.engine.tokenizer.AddedToken;
import ai.baton.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * vLLM's "random" dataset: each prompt is a run of consecutive vocabulary ids from a random offset, its length
 * drawn uniformly from [len·(1−r), len·(1+r)], decoded to text. Decoded text rarely re-encodes to the same count,
 * so the ids are trimmed or extended until it does (or close, after a few rounds); the length reported is what the
 * tokenizer gives for the final text. Added and special tokens are never drawn: their text would be parsed back
 * into control tokens. Without a tokenizer, prompts are sent as token ids (exact lengths, /v1/completions only).
 */
public final class RandomDataset {
    private static final int FALLBACK_VOCAB = 1000;
    private static final int FIX_ROUNDS = 10;

    private RandomDataset() {}

    public static List<SampleRequest> sample(int n, int inputLen, int outputLen, double rangeRatio, Tokenizer tok, long seed) {
        return sample(n, inputLen, outputLen, rangeRatio, rangeRatio, tok, seed);
    }

    /** With separate range ratios for input and output lengths (vLLM's dict form). */
    public static List<SampleRequest> sample(int n, int inputLen, int outputLen, double inputRatio, double outputRatio,
                                             Tokenizer tok, long seed) {
        if (inputLen < 1) throw new IllegalArgumentException("--random-input-len must be >= 1, got " + inputLen);
        if (outputLen < 1) throw new IllegalArgumentException("--random-output-len must be >= 1, got " + outputLen);
        for (double r : new double[]{inputRatio, outputRatio})
            if (!(r >= 0 && r < 1)) throw new IllegalArgumentException("--random-range-ratio must be in [0, 1), got " + r);
        Random rnd = new Random(seed);
        int vocab = tok == null ? FALLBACK_VOCAB : plainVocab(tok);
        List<SampleRequest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int in = uniform(rnd, inputLen, inputRatio);
            int outLen = uniform(rnd, outputLen, outputRatio);
            int offset = rnd.nextInt(vocab);
            int[] ids = new int[in];
            for (int j = 0; j < in; j++) ids[j] = (offset + i + j) % vocab;
            out.add(tok == null ? SampleRequest.ids(ids, outLen) : toText(tok, ids, in, vocab, offset + i + in, outLen));
        }
        return out;
    }

    /** A length uniform over the integers in [floor(len·(1−r)), ceil(len·(1+r))], at least 1. */
    static int uniform(Random rnd, int len, double r) {
        int lo = Math.max(1, (int) Math.floor(len * (1 - r)));
        int hi = Math.max(lo, (int) Math.ceil(len * (1 + r)));
        return lo + rnd.nextInt(hi - lo + 1);
    }

    /** Ids below the first added token: plain byte-level BPE entries that decode and re-encode as text. */
    static int plainVocab(Tokenizer tok) {
        int min = tok.vocabSize();
        for (AddedToken a : tok.addedTokens()) min = Math.min(min, a.id());
        return Math.max(1, min);
    }

    private static SampleRequest toText(Tokenizer tok, int[] ids, int target, int vocab, int next, int outLen) {
        String text = tok.decode(ids);
        int[] enc = tok.encode(text);
        for (int round = 0; round < FIX_ROUNDS && enc.length != target; round++) {
            if (enc.length > target) {
                ids = Arrays.copyOf(enc, target);
            } else {
                int[] more = Arrays.copyOf(enc, target);
                for (int j = enc.length; j < target; j++) more[j] = (next++) % vocab;
                ids = more;
            }
            text = tok.decode(ids);
            enc = tok.encode(text);
        }
        return SampleRequest.text(text, enc.length, outLen);
    }
}
