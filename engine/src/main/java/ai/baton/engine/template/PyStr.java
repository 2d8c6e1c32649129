package ai.baton.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * Python str semantics on Java strings. Python indexes by code point while Java strings are
 * UTF-16, so every index that crosses the boundary is converted here.
 */
final class PyStr {
    private PyStr() {}

    /** Python's str.isspace() for one code point (also what \s and str.split() use). */
    static boolean isSpace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0
                || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f
                || c == 0x205f || c == 0x3000;
    }

    /** Line boundaries of str.splitlines(). */
    static boolean isLineBreak(int c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    static boolean hasSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isSurrogate(s.charAt(i))) return true;
        return false;
    }

    static int len(String s) {
        return s.codePointCount(0, s.length());
    }

    /** UTF-16 offset of code point index cp (0 <= cp <= len). */
    static int offset(String s, int cp) {
        if (!hasSurrogates(s)) return cp;
        return s.offsetByCodePoints(0, cp);
    }

    /** Code point index of UTF-16 offset. */
    static int cpIndex(String s, int utf16) {
        return s.codePointCount(0, utf16);
    }

    /** Python slice-style clamping of an optional start/end argument, as a code point index. */
    static int clampIndex(Object v, int len, int dflt) {
        if (v == null || v instanceof Undefined) return dflt;
        long i = PyOps.toLong(v);
        if (i < 0) i += len;
        if (i < 0) i = 0;
        if (i > len) i = len;
        return (int) i;
    }

    // ---- stripping -------------------------------------------------------------------------

    private static IntPredicate stripSet(Object chars) {
        if (chars == null || chars instanceof Undefined) return PyStr::isSpace;
        if (!(chars instanceof String cs)) {
            throw new TemplateException("strip arg must be None or str");
        }
        int[] set = cs.codePoints().toArray();
        return c -> {
            for (int x : set) if (x == c) return true;
            return false;
        };
    }

    static String strip(String s, Object chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    static String lstrip(String s, Object chars) {
        IntPredicate p = stripSet(chars);
        int i = 0;
        while (i < s.length()) {
            int c = s.codePointAt(i);
            if (!p.test(c)) break;
            i += Character.charCount(c);
        }
        return s.substring(i);
    }

    static String rstrip(String s, Object chars) {
        IntPredicate p = stripSet(chars);
        int j = s.length();
        while (j > 0) {
            int c = s.codePointBefore(j);
            if (!p.test(c)) break;
            j -= Character.charCount(c);
        }
        return s.substring(0, j);
    }

    // ---- splitting -------------------------------------------------------------------------

    static List<Object> split(String s, Object sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        int n = s.length();
        if (sep == null || sep instanceof Undefined) {
            int i = 0;
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        String sp = requireSep(sep);
        int i = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sp, i);
            if (k < 0) break;
            out.add(s.substring(i, k));
            i = k + sp.length();
        }
        out.add(s.substring(i));
        return out;
    }

    static List<Object> rsplit(String s, Object sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null || sep instanceof Undefined) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.charAt(i - 1))) i--;
                out.add(s.substring(i, j));
                j = i;
            }
            java.util.Collections.reverse(out);
            return out;
        }
        String sp = requireSep(sep);
        int j = s.length();
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.lastIndexOf(sp, j - sp.length());
            if (k < 0) break;
            out.add(s.substring(k + sp.length(), j));
            j = k;
        }
        out.add(s.substring(0, j));
        java.util.Collections.reverse(out);
        return out;
    }

    private static String requireSep(Object sep) {
        if (!(sep instanceof String sp)) {
            throw new TemplateException("must be str or None, not " + PyOps.typeName(sep));
        }
        if (sp.isEmpty()) throw new TemplateException("empty separator");
        return sp;
    }

    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int n = s.length();
        int start = 0;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                int eol = i + 1;
                if (c == '\r' && eol < n && s.charAt(eol) == '\n') eol++;
                out.add(s.substring(start, keepends ? eol : i));
                start = eol;
                i = eol;
            } else {
                i++;
            }
        }
        if (start < n) out.add(s.substring(start));
        return out;
    }

    // ---- searching -------------------------------------------------------------------------

    /** str.find(sub, start, end) in code points; -1 when absent. */
    static long find(String s, String sub, Object start, Object end, boolean fromRight) {
        int len = len(s);
        int a = clampIndex(start, len, 0);
        int b = clampIndex(end, len, len);
        if (a > b) return -1;
        if (start != null && !(start instanceof Undefined) && PyOps.toLong(start) > len) return -1;
        String region = s.substring(offset(s, a), offset(s, b));
        int k = fromRight ? region.lastIndexOf(sub) : region.indexOf(sub);
        if (k < 0) return -1;
        return a + cpIndex(region, k);
    }

    static long count(String s, String sub, Object start, Object end) {
        int len = len(s);
        int a = clampIndex(start, len, 0);
        int b = clampIndex(end, len, len);
        if (a > b) return 0;
        String region = s.substring(offset(s, a), offset(s, b));
        if (sub.isEmpty()) return len(region) + 1;
        long n = 0;
        int i = 0;
        while ((i = region.indexOf(sub, i)) >= 0) {
            n++;
            i += sub.length();
        }
        return n;
    }

    static boolean startsOrEndsWith(String s, Object affix, Object start, Object end, boolean ends) {
        int len = len(s);
        int a = clampIndex(start, len, 0);
        int b = clampIndex(end, len, len);
        if (start != null && !(start instanceof Undefined) && PyOps.toLong(start) > len) return false;
        String region = a <= b ? s.substring(offset(s, a), offset(s, b)) : "";
        if (affix instanceof List<?> options && affix instanceof PyTuple) {
            for (Object o : options) {
                if (startsOrEndsWith(region, o, null, null, ends)) return true;
            }
            return false;
        }
        if (!(affix instanceof String x)) {
            throw new TemplateException((ends ? "endswith" : "startswith")
                    + " first arg must be str or a tuple of str, not " + PyOps.typeName(affix));
        }
        if (a > b) return false;
        return ends ? region.endsWith(x) : region.startsWith(x);
    }

    static String replace(String s, String old, String rep, long count) {
        if (count < 0 && !old.isEmpty()) return s.replace(old, rep);
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            // Python inserts the replacement before every code point and at the end.
            long done = 0;
            int i = 0;
            while (i <= s.length()) {
                if (count < 0 || done < count) {
                    sb.append(rep);
                    done++;
                }
                if (i == s.length()) break;
                int c = s.codePointAt(i);
                sb.appendCodePoint(c);
                i += Character.charCount(c);
            }
            return sb.toString();
        }
        int i = 0;
        long done = 0;
        while (done < count) {
            int k = s.indexOf(old, i);
            if (k < 0) break;
            sb.append(s, i, k).append(rep);
            i = k + old.length();
            done++;
        }
        sb.append(s, i, s.length());
        return sb.toString();
    }

    // ---- case ------------------------------------------------------------------------------

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int c) {
        return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
    }

    private static String titleOf(int c) {
        // Python applies the full title-case mapping. Java only has the simple one, so where it
        // is the identity but the full upper-case expands (e.g. 'ß' -> "SS"), build Python's
        // "Ss" from the upper-case expansion.
        int t = Character.toTitleCase(c);
        if (t != c || Character.isTitleCase(c)) return new String(Character.toChars(t));
        String up = new String(Character.toChars(c)).toUpperCase(Locale.ROOT);
        if (up.codePointCount(0, up.length()) > 1) {
            int first = up.codePointAt(0);
            return new String(Character.toChars(first)) + up.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
        }
        return up;
    }

    /** Python str.title(). */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (prevCased) sb.append(new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
            else sb.append(titleOf(c));
            prevCased = isCased(c);
        }
        return sb.toString();
    }

    /** Python str.capitalize() (3.8+: first character title-cased, the rest lower-cased). */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int c = s.codePointAt(0);
        return titleOf(c) + s.substring(Character.charCount(c)).toLowerCase(Locale.ROOT);
    }

    static String swapcase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            String ch = new String(Character.toChars(c));
            if (Character.isUpperCase(c)) sb.append(ch.toLowerCase(Locale.ROOT));
            else if (Character.isLowerCase(c)) sb.append(ch.toUpperCase(Locale.ROOT));
            else sb.append(ch);
        });
        return sb.toString();
    }

    static boolean isUpper(String s) {
        boolean cased = false;
        for (int c : s.codePoints().toArray()) {
            if (Character.isLowerCase(c) || Character.isTitleCase(c)) return false;
            if (Character.isUpperCase(c)) cased = true;
        }
        return cased;
    }

    static boolean isLower(String s) {
        boolean cased = false;
        for (int c : s.codePoints().toArray()) {
            if (Character.isUpperCase(c) || Character.isTitleCase(c)) return false;
            if (Character.isLowerCase(c)) cased = true;
        }
        return cased;
    }

    static boolean all(String s, IntPredicate p) {
        if (s.isEmpty()) return false;
        return s.codePoints().allMatch(p);
    }

    // ---- padding ---------------------------------------------------------------------------

    static String center(String s, long width, String fill) {
        int len = len(s);
        if (width <= len) return s;
        long marg = width - len;
        long left = marg / 2 + (marg & width & 1);
        return fill.repeat((int) left) + s + fill.repeat((int) (marg - left));
    }

    static String ljust(String s, long width, String fill) {
        int len = len(s);
        return width <= len ? s : s + fill.repeat((int) (width - len));
    }

    static String rjust(String s, long width, String fill) {
        int len = len(s);
        return width <= len ? s : fill.repeat((int) (width - len)) + s;
    }

    static String zfill(String s, long width) {
        int len = len(s);
        if (width <= len) return s;
        String pad = "0".repeat((int) (width - len));
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) return s.charAt(0) + pad + s.substring(1);
        return pad + s;
    }

    /** Code points of s as one-character strings (iteration over a str). */
    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int k = Character.charCount(c);
            out.add(s.substring(i, i + k));
            i += k;
        }
        return out;
    }

    /** Compares by code point, as Python does (Java's compareTo compares UTF-16 units). */
    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
