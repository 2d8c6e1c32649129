package ai.baton.engine.tokenizer;

import java.util.Arrays;

/**
 * Streaming decode: each call returns only text that is complete. Bytes of a character split across
 * tokens (emoji, CJK) are held until the character is whole, so the outputs concatenated (plus flush())
 * equal Tokenizer.decode of all the ids. Not thread-safe: one per stream.
 */
public final class IncrementalDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private byte[] pending = new byte[16];
    private int pendingLength;

    IncrementalDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one token; returns the text it completes ("" while a UTF-8 sequence is still incomplete). */
    public String next(int id) {
        byte[] b = tokenizer.tokenBytes(id, skipSpecialTokens);
        if (b == null || b.length == 0) return "";
        if (pendingLength + b.length > pending.length) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
        System.arraycopy(b, 0, pending, pendingLength, b.length);
        pendingLength += b.length;
        StringBuilder sb = new StringBuilder(pendingLength);
        int stop = Utf8Lossy.decodeInto(pending, 0, pendingLength, false, sb);
        System.arraycopy(pending, stop, pending, 0, pendingLength - stop);
        pendingLength -= stop;
        return sb.toString();
    }

    /** Ends the stream: returns what is held back, an incomplete sequence becoming U+FFFD as in HF's decode. */
    public String flush() {
        String s = Utf8Lossy.decode(pending, 0, pendingLength);
        pendingLength = 0;
        return s;
    }

    /** True while bytes of an incomplete character are held back. */
    public boolean hasPending() { return pendingLength > 0; }
}
