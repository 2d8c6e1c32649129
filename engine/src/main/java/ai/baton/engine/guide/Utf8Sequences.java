package ai.baton.engine.guide;

import java.util.ArrayList;
import java.util.List;

/**
 * The UTF-8 encodings of a set of code points as a list of byte-range sequences: each sequence is 1 to 4 ranges
 * [lo, hi], and the byte strings it matches (one byte from each range) are exactly the encodings of a block of
 * code points. Surrogates are left out, so only valid UTF-8 is produced (no overlong forms, nothing above
 * U+10FFFF). The sequences of different code points never overlap, and no encoding is a prefix of another.
 */
final class Utf8Sequences {
    private Utf8Sequences() {}

    /** A byte-range sequence: lo[i]..hi[i] is the range of byte i. */
    record Seq(int[] lo, int[] hi) {
        int length() { return lo.length; }
    }

    static List<Seq> of(CodePointSet set) {
        List<Seq> out = new ArrayList<>();
        for (int i = 0; i < set.rangeCount(); i++) {
            int lo = set.lo(i), hi = set.hi(i);
            // Surrogates have no UTF-8 form.
            if (lo < 0xD800 && hi >= 0xD800) {
                if (hi > 0xDFFF) split(0xE000, hi, out);
                hi = 0xD7FF;
            } else if (lo >= 0xD800 && lo <= 0xDFFF) {
                lo = 0xE000;
            }
            if (lo <= hi) split(lo, hi, out);
        }
        return out;
    }

    /** Splits [lo, hi] (no surrogates) into blocks whose encodings form byte-range sequences. */
    private static void split(int lo, int hi, List<Seq> out) {
        // Different encoded lengths first.
        for (int max : new int[] {0x7F, 0x7FF, 0xFFFF}) {
            if (lo <= max && hi > max) {
                split(lo, max, out);
                split(max + 1, hi, out);
                return;
            }
        }
        int n = length(lo);
        // Then blocks that agree on the leading bytes: for each trailing position, the range must cover whole
        // sub-blocks of 64^i code points, or lie inside one.
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    split(lo, lo | m, out);
                    split((lo | m) + 1, hi, out);
                    return;
                }
                if ((hi & m) != m) {
                    split(lo, (hi & ~m) - 1, out);
                    split(hi & ~m, hi, out);
                    return;
                }
            }
        }
        byte[] a = encode(lo), b = encode(hi);
        int[] l = new int[n], h = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = a[i] & 0xFF;
            h[i] = b[i] & 0xFF;
        }
        out.add(new Seq(l, h));
    }

    static int length(int cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

    static byte[] encode(int cp) {
        return switch (length(cp)) {
            case 1 -> new byte[] {(byte) cp};
            case 2 -> new byte[] {(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
            case 3 -> new byte[] {(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
            default -> new byte[] {(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        };
    }
}
