package ai.baton.engine.template;

import ai.baton.engine.template.Token.Kind;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Splits a template into text and tag tokens the way Jinja2's lexer does under transformers'
 * settings: newlines normalised to \n and one trailing newline dropped, {@code trim_blocks}
 * (a newline right after %} or #} is removed), {@code lstrip_blocks} (spaces before {% or {#
 * on their own line are removed), and "-"/"+" whitespace control on every tag.
 */
final class Lexer {
    private static final String[] OPS2 = {"//", "**", "==", "!=", ">=", "<="};
    private static final String OPS1 = "+-/*%~[](){}><=.:|,;";

    private final String src;
    private final int n;
    private final int[] lineStarts;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    /** Jinja's line_starting: did the previous match end with a newline (or is this the start)? */
    private boolean lineStarting = true;

    private Lexer(String src) {
        this.src = src;
        this.n = src.length();
        int[] starts = new int[16];
        int count = 1;
        for (int i = 0; i < n; i++) {
            if (src.charAt(i) != '\n') continue;
            if (count == starts.length) starts = Arrays.copyOf(starts, count * 2);
            starts[count++] = i + 1;
        }
        this.lineStarts = Arrays.copyOf(starts, count);
    }

    static List<Token> tokenize(String source) {
        Lexer lx = new Lexer(normalize(source));
        lx.run();
        return lx.out;
    }

    /** \r\n and \r become \n; one trailing newline is dropped (keep_trailing_newline=False). */
    static String normalize(String s) {
        String t = s.indexOf('\r') >= 0 ? s.replace("\r\n", "\n").replace('\r', '\n') : s;
        return t.endsWith("\n") ? t.substring(0, t.length() - 1) : t;
    }

    private int lastLine = 1;

    /** 1-based line of offset; tokens arrive in order, so walk from the previous answer. */
    private int line(int offset) {
        int k = lastLine;
        if (k > lineStarts.length || lineStarts[k - 1] > offset) k = 1;
        while (k < lineStarts.length && lineStarts[k] <= offset) k++;
        lastLine = k;
        return k;
    }

    private int col(int offset) {
        return offset - lineStarts[line(offset) - 1] + 1;
    }

    private TemplateException error(String msg, int offset) {
        return new TemplateException(msg, line(offset), col(offset));
    }

    private void emit(Kind kind, String text, Object value, int offset) {
        out.add(new Token(kind, text, value, line(offset), col(offset)));
    }

    private void run() {
        while (pos < n) {
            int t = nextTagStart(pos);
            if (t < 0) {
                emitText(src.substring(pos), pos);
                pos = n;
                break;
            }
            char kind = src.charAt(t + 1);
            int p = t + 2;
            char mod = p < n && (src.charAt(p) == '-' || src.charAt(p) == '+') ? src.charAt(p) : 0;
            if (mod != 0) p++;
            int rawBody = kind == '%' ? matchRawBegin(p) : -1;
            emitText(stripBefore(src.substring(pos, t), mod, kind != '{'), pos);
            if (kind == '#') {
                comment(t, p);
            } else if (rawBody >= 0) {
                lineStarting = src.charAt(rawBody - 1) == '\n';
                raw(t, rawBody);
            } else {
                tag(kind, t, p);
            }
        }
        emit(Kind.EOF, "", null, n);
    }

    private void emitText(String text, int offset) {
        if (!text.isEmpty()) emit(Kind.TEXT, text, text, offset);
    }

    private int nextTagStart(int from) {
        int i = from;
        while ((i = src.indexOf('{', i)) >= 0 && i + 1 < n) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
            i++;
        }
        return -1;
    }

    /** Whitespace control for the text before a tag: "-" strips it all, else lstrip_blocks. */
    private String stripBefore(String text, char mod, boolean blockOrComment) {
        if (mod == '-') return PyStr.rstrip(text, null);
        if (mod == '+' || !blockOrComment) return text;
        int lpos = text.lastIndexOf('\n') + 1;
        if (lpos > 0 || lineStarting) {
            boolean onlySpace = lpos < text.length();
            for (int i = lpos; i < text.length() && onlySpace; i++) onlySpace = PyStr.isSpace(text.charAt(i));
            if (onlySpace) return text.substring(0, lpos);
        }
        return text;
    }

    private int skipSpace(int i) {
        while (i < n && PyStr.isSpace(src.charAt(i))) i++;
        return i;
    }

    /** Matches {@code \s*raw\s*(-%}\s*|%})} after "{%" and its modifier; returns the body start or -1. */
    private int matchRawBegin(int p) {
        int i = skipSpace(p);
        if (!src.startsWith("raw", i)) return -1;
        i = skipSpace(i + 3);
        if (src.startsWith("-%}", i)) return skipSpace(i + 3);
        if (src.startsWith("%}", i)) return i + 2;
        return -1;
    }

    private void raw(int tagStart, int body) {
        int k = body;
        while ((k = src.indexOf("{%", k)) >= 0) {
            int i = k + 2;
            char mod = i < n && (src.charAt(i) == '-' || src.charAt(i) == '+') ? src.charAt(i) : 0;
            if (mod != 0) i++;
            i = skipSpace(i);
            if (src.startsWith("endraw", i)) {
                i = skipSpace(i + 6);
                int end = blockEnd(i);
                if (end >= 0) {
                    emitText(stripBefore(src.substring(body, k), mod, true), body);
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            k++;
        }
        throw error("Missing end of raw directive", tagStart);
    }

    private void comment(int tagStart, int p) {
        int j = src.indexOf("#}", p);
        if (j < 0) throw error("Missing end of comment tag", tagStart);
        int end = j + 2;
        char mod = j - 1 >= p ? src.charAt(j - 1) : 0;
        if (mod == '-') end = skipSpace(end);
        else if (mod != '+' && end < n && src.charAt(end) == '\n') end++;
        lineStarting = src.charAt(end - 1) == '\n';
        pos = end;
    }

    /** Matches a block end at i: "+%}", "-%}" plus whitespace, or "%}" plus one newline. */
    private int blockEnd(int i) {
        if (src.startsWith("+%}", i)) return i + 3;
        if (src.startsWith("-%}", i)) return skipSpace(i + 3);
        if (src.startsWith("%}", i)) return i + 2 < n && src.charAt(i + 2) == '\n' ? i + 3 : i + 2;
        return -1;
    }

    private int varEnd(int i) {
        if (src.startsWith("-}}", i)) return skipSpace(i + 3);
        if (src.startsWith("}}", i)) return i + 2;
        return -1;
    }

    private void tag(char kind, int tagStart, int p) {
        boolean block = kind == '%';
        emit(block ? Kind.BLOCK_BEGIN : Kind.VAR_BEGIN, block ? "{%" : "{{", null, tagStart);
        pos = p;
        Deque<Character> balance = new ArrayDeque<>();
        while (pos < n) {
            if (balance.isEmpty()) {
                int end = block ? blockEnd(pos) : varEnd(pos);
                if (end >= 0) {
                    emit(block ? Kind.BLOCK_END : Kind.VAR_END, block ? "%}" : "}}", null, pos);
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            char c = src.charAt(pos);
            if (PyStr.isSpace(c)) {
                pos++;
            } else if (!lexNumber() && !lexName() && !lexString()) {
                lexOperator(balance);
            }
        }
        // Unterminated tag: the parser reports "unexpected end of template".
    }

    // ---- literals --------------------------------------------------------------------------

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Matches {@code (\d+_)*\d+} at i; returns the end or -1. */
    private int digits(int i) {
        if (i >= n || !isDigit(src.charAt(i))) return -1;
        int j = i;
        while (true) {
            while (j < n && isDigit(src.charAt(j))) j++;
            if (j + 1 < n && src.charAt(j) == '_' && isDigit(src.charAt(j + 1))) {
                j++;
                continue;
            }
            return j;
        }
    }

    private int exponent(int i) {
        if (i >= n || (src.charAt(i) != 'e' && src.charAt(i) != 'E')) return -1;
        int j = i + 1;
        if (j < n && (src.charAt(j) == '+' || src.charAt(j) == '-')) j++;
        return digits(j);
    }

    private boolean lexNumber() {
        int start = pos;
        if (!isDigit(src.charAt(start))) return false;
        // Float first (not right after a '.', so that x.0.1 stays attribute access).
        int end = -1;
        if (start == 0 || src.charAt(start - 1) != '.') {
            int a = digits(start);
            if (a < n && src.charAt(a) == '.') {
                int b = digits(a + 1);
                if (b > 0) {
                    int e = exponent(b);
                    end = e > 0 ? e : b;
                }
            } else {
                end = exponent(a);
            }
        }
        if (end > 0) {
            String text = src.substring(start, end);
            emit(Kind.FLOAT, text, Double.parseDouble(text.replace("_", "")), start);
            pos = end;
            return true;
        }
        int radix = 10;
        int i = start;
        char c0 = src.charAt(start);
        if (c0 == '0' && start + 1 < n && "bBoOxX".indexOf(src.charAt(start + 1)) >= 0) {
            char r = Character.toLowerCase(src.charAt(start + 1));
            int rad = r == 'b' ? 2 : r == 'o' ? 8 : 16;
            int j = start + 2;
            int good = -1;
            while (true) {
                int k = j < n && src.charAt(j) == '_' ? j + 1 : j;
                if (k < n && Character.digit(src.charAt(k), rad) >= 0) {
                    j = k + 1;
                    good = j;
                } else {
                    break;
                }
            }
            if (good > 0) {
                radix = rad;
                i = good;
            }
        }
        if (radix == 10) {
            i = start + 1;
            if (c0 == '0') {
                while (i < n && (src.charAt(i) == '0' || (src.charAt(i) == '_' && i + 1 < n && src.charAt(i + 1) == '0'))) i++;
            } else {
                while (i < n && (isDigit(src.charAt(i)) || (src.charAt(i) == '_' && i + 1 < n && isDigit(src.charAt(i + 1))))) i++;
            }
        }
        String text = src.substring(start, i);
        String digits = (radix == 10 ? text : text.substring(2)).replace("_", "");
        emit(Kind.INT, text, PyOps.normInt(new BigInteger(digits, radix)), start);
        pos = i;
        return true;
    }

    private boolean lexName() {
        int c = src.codePointAt(pos);
        if (c != '_' && !Character.isUnicodeIdentifierStart(c)) return false;
        int i = pos + Character.charCount(c);
        while (i < n) {
            int d = src.codePointAt(i);
            if (!Character.isUnicodeIdentifierPart(d) || Character.isIdentifierIgnorable(d)) break;
            i += Character.charCount(d);
        }
        emit(Kind.NAME, src.substring(pos, i), null, pos);
        pos = i;
        return true;
    }

    private boolean lexString() {
        char q = src.charAt(pos);
        if (q != '\'' && q != '"') return false;
        int j = pos + 1;
        while (j < n && src.charAt(j) != q) j += src.charAt(j) == '\\' ? 2 : 1;
        if (j >= n) throw error("unexpected char " + PyRepr.repr(String.valueOf(q)) + " at " + pos, pos);
        String body = src.substring(pos + 1, j);
        emit(Kind.STRING, src.substring(pos, j + 1), unescape(body, pos), pos);
        pos = j + 1;
        return true;
    }

    /** Python's unicode-escape decoding of a string literal body. */
    private String unescape(String s, int offset) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= len) throw error("\\ at end of string", offset);
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\', '\'', '"' -> sb.append(e);
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int v = e - '0';
                    int k = 1;
                    while (k < 3 && i + 1 < len && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7') {
                        v = v * 8 + (s.charAt(++i) - '0');
                        k++;
                    }
                    sb.appendCodePoint(v);
                }
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = s.substring(i + 1, Math.min(len, i + 1 + digits));
                    if (hex.length() < digits || !hex.chars().allMatch(h -> Character.digit(h, 16) >= 0)) {
                        throw error("truncated \\" + e + "XX escape", offset);
                    }
                    long v = Long.parseLong(hex, 16);
                    if (v > 0x10FFFF) throw error("illegal Unicode character", offset);
                    sb.appendCodePoint((int) v);
                    i += digits;
                }
                case 'N' -> {
                    int close = s.indexOf('}', i);
                    if (i + 1 >= len || s.charAt(i + 1) != '{' || close < 0) throw error("malformed \\N character escape", offset);
                    try {
                        sb.appendCodePoint(Character.codePointOf(s.substring(i + 2, close)));
                    } catch (IllegalArgumentException ex) {
                        throw error("unknown Unicode character name", offset);
                    }
                    i = close;
                }
                default -> sb.append('\\').append(e);
            }
        }
        return sb.toString();
    }

    private void lexOperator(Deque<Character> balance) {
        for (String op : OPS2) {
            if (src.startsWith(op, pos)) {
                emit(Kind.OP, op, null, pos);
                pos += 2;
                return;
            }
        }
        char c = src.charAt(pos);
        if (OPS1.indexOf(c) < 0) {
            throw error("unexpected char " + PyRepr.repr(new String(Character.toChars(src.codePointAt(pos)))) + " at " + pos, pos);
        }
        switch (c) {
            case '(' -> balance.push(')');
            case '[' -> balance.push(']');
            case '{' -> balance.push('}');
            case ')', ']', '}' -> {
                if (balance.isEmpty()) throw error("unexpected '" + c + "'", pos);
                char expected = balance.pop();
                if (expected != c) throw error("unexpected '" + c + "', expected '" + expected + "'", pos);
            }
            default -> { }
        }
        emit(Kind.OP, String.valueOf(c), null, pos);
        pos++;
    }
}
