package ai.baton.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * A minimal forward-only JSON reader over UTF-8 bytes, for the big, flat parts of tokenizer.json
 * (vocab and merges): a tight loop that the JIT compiles early loads a 10 MB file several times faster
 * than a general parser when the JVM is cold. Errors name the file and byte offset.
 */
final class JsonCursor {
    private final byte[] b;
    private final String file;
    private int pos;

    JsonCursor(byte[] bytes, String file) {
        this.b = bytes;
        this.file = file;
    }

    int position() { return pos; }

    TokenizerException error(String what) {
        return new TokenizerException("invalid " + file + ": " + what + " at byte " + pos);
    }

    /** Skips whitespace and returns the next byte without consuming it (-1 at the end). */
    int peek() {
        while (pos < b.length) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return c;
            pos++;
        }
        return -1;
    }

    void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "'");
        pos++;
    }

    /** Consumes c if it is next. */
    boolean consume(char c) {
        if (peek() == c) { pos++; return true; }
        return false;
    }

    /** After the first element of an object or array: true if a ',' follows, false at the closing bracket. */
    boolean more(char close) {
        int c = peek();
        if (c == ',') { pos++; return true; }
        if (c == close) { pos++; return false; }
        throw error("expected ',' or '" + close + "'");
    }

    String readString() {
        expect('"');
        int start = pos;
        while (pos < b.length) { // fast path: no escapes
            byte c = b[pos];
            if (c == '"') {
                String s = new String(b, start, pos - start, StandardCharsets.UTF_8);
                pos++;
                return s;
            }
            if (c == '\\') break;
            pos++;
        }
        pos = start;
        StringBuilder sb = new StringBuilder();
        int segment = pos;
        while (true) {
            if (pos >= b.length) throw error("unterminated string");
            byte c = b[pos];
            if (c == '"') break;
            if (c != '\\') { pos++; continue; }
            // UTF-8 continuation bytes are never 0x5C, so cutting a segment at a backslash is safe
            sb.append(new String(b, segment, pos - segment, StandardCharsets.UTF_8));
            if (pos + 1 >= b.length) throw error("unterminated string");
            byte e = b[pos + 1];
            pos += 2;
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > b.length) throw error("bad \\u escape");
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(b[pos + k], 16);
                        if (d < 0) throw error("bad \\u escape");
                        v = v * 16 + d;
                    }
                    pos += 4;
                    sb.append((char) v); // surrogate pairs arrive as two escapes and join up here
                }
                default -> throw error("bad escape");
            }
            segment = pos;
        }
        sb.append(new String(b, segment, pos - segment, StandardCharsets.UTF_8));
        pos++;
        return sb.toString();
    }

    int readInt() {
        peek();
        int start = pos;
        boolean negative = pos < b.length && b[pos] == '-';
        if (negative) pos++;
        long v = 0;
        int digitsStart = pos;
        while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
            v = v * 10 + (b[pos++] - '0');
            if (v > Integer.MAX_VALUE) throw error("integer too large");
        }
        if (pos == digitsStart) { pos = start; throw error("expected an integer"); }
        if (pos < b.length && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) throw error("expected an integer");
        return (int) (negative ? -v : v);
    }

    /** Reads true/false, or null as false. */
    boolean readBooleanOrNull() {
        if (readLiteral("true")) return true;
        if (readLiteral("false") || readLiteral("null")) return false;
        throw error("expected a boolean");
    }

    /** Reads a string, or null. */
    String readStringOrNull() {
        if (peek() == 'n') {
            if (readLiteral("null")) return null;
            throw error("expected a string");
        }
        return readString();
    }

    boolean readLiteral(String word) {
        peek();
        if (pos + word.length() > b.length) return false;
        for (int k = 0; k < word.length(); k++) if (b[pos + k] != word.charAt(k)) return false;
        pos += word.length();
        return true;
    }

    /** Skips any value; returns its start offset (the value spans [start, position())). */
    int skipValue() {
        int c = peek();
        int start = pos;
        switch (c) {
            case '"' -> skipString();
            case '{', '[' -> {
                int depth = 0;
                while (true) {
                    int d = peek();
                    if (d < 0) throw error("unterminated " + (c == '{' ? "object" : "array"));
                    if (d == '"') { skipString(); continue; }
                    pos++;
                    if (d == '{' || d == '[') depth++;
                    else if (d == '}' || d == ']') { if (--depth == 0) break; }
                }
            }
            case -1 -> throw error("unexpected end of file");
            default -> { // number or literal
                while (pos < b.length) {
                    byte d = b[pos];
                    if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\n' || d == '\r' || d == '\t') break;
                    pos++;
                }
                if (pos == start) throw error("unexpected '" + (char) c + "'");
            }
        }
        return start;
    }

    private void skipString() {
        pos++; // opening quote
        while (pos < b.length) {
            byte c = b[pos++];
            if (c == '\\') pos++;
            else if (c == '"') return;
        }
        throw error("unterminated string");
    }
}
