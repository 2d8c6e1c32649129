package ai.baton.kvtransfer.bench;

import java.util.Locale;

/** "4KiB", "64MiB", "1GiB", "512" and back. */
public final class ByteSizes {
    private ByteSizes() {}

    public static long parse(String s) {
        String t = s.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        long mul = 1;
        String num = t;
        String[][] units = {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"}, {"kb", "1000"}, {"mb", "1000000"},
                {"gb", "1000000000"}, {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}};
        for (String[] u : units) {
            if (lower.endsWith(u[0])) {
                mul = Long.parseLong(u[1]);
                num = t.substring(0, t.length() - u[0].length());
                break;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(num.trim()), mul);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + s + "' (use e.g. 4KiB, 1MiB, 64MiB)");
        }
    }

    public static String format(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return (bytes >> 30) + "GiB";
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) return (bytes >> 20) + "MiB";
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return (bytes >> 10) + "KiB";
        return bytes + "B";
    }
}
