package ai.baton.engine.tokenizer;

/**
 * UTF-8 decoding that replaces each maximal invalid subpart with U+FFFD, as Rust's
 * {@code String::from_utf8_lossy} (and so HF's decoder) does. It can also stop before a trailing
 * sequence that is incomplete but could still become valid, which streaming decode needs.
 */
final class Utf8Lossy {
    private Utf8Lossy() {}

    static String decode(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        decodeInto(bytes, from, to, true, sb);
        return sb.toString();
    }

    /**
     * Decodes bytes[from, to) into sb. With final=false, a valid-so-far sequence cut off by the end
     * is left undecoded; returns the index where decoding stopped (to, when everything was consumed).
     */
    static int decodeInto(byte[] bytes, int from, int to, boolean isFinal, StringBuilder sb) {
        int i = from;
        while (i < to) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            int need;        // continuation bytes this lead byte needs
            int lo = 0x80, hi = 0xBF; // allowed range of the first continuation byte
            if (b0 >= 0xC2 && b0 <= 0xDF) need = 1;
            else if (b0 == 0xE0) { need = 2; lo = 0xA0; }
            else if (b0 >= 0xE1 && b0 <= 0xEC) need = 2;
            else if (b0 == 0xED) { need = 2; hi = 0x9F; }
            else if (b0 >= 0xEE && b0 <= 0xEF) need = 2;
            else if (b0 == 0xF0) { need = 3; lo = 0x90; }
            else if (b0 >= 0xF1 && b0 <= 0xF3) need = 3;
            else if (b0 == 0xF4) { need = 3; hi = 0x8F; }
            else { // 0x80..0xC1, 0xF5..0xFF can never start a sequence
                sb.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            int got = 0;
            while (got < need && j < to) {
                int b = bytes[j] & 0xFF;
                int min = got == 0 ? lo : 0x80, max = got == 0 ? hi : 0xBF;
                if (b < min || b > max) break;
                cp = (cp << 6) | (b & 0x3F);
                j++;
                got++;
            }
            if (got == need) {
                sb.appendCodePoint(cp);
            } else if (j == to && !isFinal) {
                return i; // incomplete but still possibly valid: wait for more bytes
            } else {
                sb.append('\uFFFD'); // the maximal valid prefix becomes one replacement character
            }
            i = j;
        }
        return to;
    }
}
