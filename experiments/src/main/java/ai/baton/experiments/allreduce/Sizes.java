package ai.baton.experiments.allreduce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Message sizes as nccl-tests writes them (1K, 256M: powers of 1024) and the doubling sweep between two sizes. */
final class Sizes {
    private Sizes() {}

    /** "1024", "1K", "256M", "1G" (case-insensitive, optional trailing B) to bytes; one-line error otherwise. */
    static long parse(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) t = t.substring(0, t.length() - 1);
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                default -> { }
            }
        }
        if (unit > 1) t = t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(t.strip());
            if (v <= 0) throw new NumberFormatException();
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: \"" + s + "\" (use bytes or 1K, 4M, 1G)");
        }
    }

    /** from, from*factor, ... up to to (inclusive), like nccl-tests' -b/-e/-f. */
    static List<Long> sweep(long from, long to, int factor) {
        if (from <= 0 || to < from) throw new IllegalArgumentException("sizes must satisfy 0 < min <= max, got " + from + ".." + to);
        if (factor < 2) throw new IllegalArgumentException("--factor must be >= 2");
        List<Long> out = new ArrayList<>();
        for (long b = from; b <= to; b = Math.multiplyExact(b, factor)) {
            out.add(b);
            if (b > Long.MAX_VALUE / factor) break;
        }
        return out;
    }

    /** 1024 -> "1K", 268435456 -> "256M", 1536 -> "1536". */
    static String format(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return bytes / (1L << 30) + "G";
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) return bytes / (1L << 20) + "M";
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return bytes / (1L << 10) + "K";
        return Long.toString(bytes);
    }
}
