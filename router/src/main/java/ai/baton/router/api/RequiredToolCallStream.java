package ai.baton.router.api;

import java.util.ArrayList;
import java.util.List;

/**
 * Streaming side of tool_choice "required" ({@link ForcedToolCall}) for one choice, as OpenAI and vLLM stream tool
 * calls: the guided output is a JSON array of {@code {"name": ..., "parameters": {...}}}, read here character by
 * character. A call's first delta, as soon as its name string has closed, carries its index, id and name; later ones
 * carry the next pieces of its {@code parameters} text as the model writes it. The pieces add up to exactly that
 * value's raw text (first character to closing bracket), which is also what {@link ForcedToolCall#calls} answers whole.
 * <p>
 * The scanner takes any JSON, not only what the guide writes (it keeps schema order and at most two whitespace
 * characters between tokens): whitespace anywhere, escapes in keys and strings, any nesting in the parameters, and
 * "parameters" before "name" (that call's arguments are then held until its name is known and go out with its first
 * delta). An element that is not an object, or has no string name, makes no call (as {@link ForcedToolCall#calls}).
 * If no call could start before the end (cut off by max_tokens before a name closed, or not a call array at all), the
 * whole text comes back at the end as content. Calls already sent stand if the output is then cut off.
 * <p>
 * Not Jackson's non-blocking parser: it hands over a string only once the string has closed, so a long string
 * argument (code, a document) would reach the client in one piece at its end; this scanner only finds the extent of
 * the parameters value and passes every character through as it comes.
 */
final class RequiredToolCallStream {
    /** Where the scanner is in the array's structure (a value of another key or a non-object element is skipped). */
    private enum At {
        BEFORE_ARRAY, ARRAY_FIRST, ARRAY_NEXT, AFTER_ELEMENT, OBJECT_FIRST, OBJECT_NEXT, KEY, COLON, VALUE, NAME,
        PARAMETERS, SKIP, AFTER_VALUE, DONE, BROKEN
    }

    private At at = At.BEFORE_ARRAY;
    /** Everything fed, until a call starts: the content if none ever does. */
    private final StringBuilder held = new StringBuilder();
    private int started;                       // calls started (the next call's index)

    // the element being read
    private int call = -1;                     // its call's index once started, else -1
    private String name;                       // its name once closed
    private boolean hasName, hasParameters;    // whether those keys were read (the first of each counts, as in ForcedToolCall.calls)
    private final StringBuilder pending = new StringBuilder();  // its arguments text read before its name closed

    // the key or string being decoded, and the value being read through
    private final StringBuilder decoded = new StringBuilder();
    private String key;
    private boolean escape;                    // the previous character was a backslash
    private int unicode = -1;                  // hex digits still to come in a backslash-u escape, -1 when in none
    private int code;                          // the code unit those digits build
    private final Value value = new Value();
    private At afterValue;                     // where a skipped value leaves off: AFTER_VALUE in an object, AFTER_ELEMENT in the array

    /** This feed's deltas, the last one still open to more arguments of its call. */
    private final List<ToolCallStream.Delta> out = new ArrayList<>();
    private int openCall = -1;
    private String openId, openName;
    private final StringBuilder openArgs = new StringBuilder();

    /** Adds generated text; returns the call deltas it makes (one per call at most: its pieces here joined). */
    List<ToolCallStream.Delta> feed(String text) {
        if (started == 0) held.append(text);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!step(c)) step(c);  // a scalar ended at c, which belongs to what follows
        }
        flush();
        List<ToolCallStream.Delta> sent = List.copyOf(out);
        out.clear();
        if (started > 0) held.setLength(0);
        return sent;
    }

    /**
     * The end of the choice: the held text as content if no call was started, else nothing more (every started
     * call's arguments went out as they came).
     */
    ToolCallStream.End finish() {
        if (started == 0) {
            String content = held.toString();
            held.setLength(0);
            return new ToolCallStream.End(content, List.of());
        }
        return new ToolCallStream.End("", List.of());
    }

    /** Whether the output was a whole call array with at least one call: its finish reason is then "tool_calls". */
    boolean madeCalls() { return at == At.DONE && started > 0; }

    /** Reads one character; false when it ends a number or literal without being part of it (read it again). */
    private boolean step(char c) {
        switch (at) {
            case BEFORE_ARRAY -> {
                if (c == '[') at = At.ARRAY_FIRST;
                else if (!whitespace(c)) at = At.BROKEN;
            }
            case ARRAY_FIRST, ARRAY_NEXT -> {
                if (whitespace(c)) return true;
                if (c == ']' && at == At.ARRAY_FIRST) at = At.DONE;
                else if (c == '{') startElement();
                else if (c == ']' || c == ',' || c == '}' || c == ':') at = At.BROKEN;
                else skip(c, At.AFTER_ELEMENT);  // not an object: no call
            }
            case AFTER_ELEMENT -> {
                if (c == ',') at = At.ARRAY_NEXT;
                else if (c == ']') at = At.DONE;
                else if (!whitespace(c)) at = At.BROKEN;
            }
            case OBJECT_FIRST, OBJECT_NEXT -> {
                if (c == '"') {
                    decoded.setLength(0);
                    at = At.KEY;
                } else if (c == '}' && at == At.OBJECT_FIRST) {
                    endElement();
                } else if (!whitespace(c)) {
                    at = At.BROKEN;
                }
            }
            case KEY -> {
                if (decode(c)) {
                    key = decoded.toString();
                    at = At.COLON;
                }
            }
            case COLON -> {
                if (c == ':') at = At.VALUE;
                else if (!whitespace(c)) at = At.BROKEN;
            }
            case VALUE -> {
                if (whitespace(c)) return true;
                if (key.equals("name") && !hasName) {
                    hasName = true;
                    if (c == '"') {
                        decoded.setLength(0);
                        at = At.NAME;
                        return true;
                    }
                } else if (key.equals("parameters") && !hasParameters) {
                    hasParameters = true;
                    value.start(c);
                    arguments(c);
                    at = value.done() ? At.AFTER_VALUE : At.PARAMETERS;
                    return true;
                }
                skip(c, At.AFTER_VALUE);
            }
            case NAME -> {
                if (decode(c)) {
                    name = decoded.toString();
                    startCall();
                    at = At.AFTER_VALUE;
                }
            }
            case PARAMETERS -> {
                if (!value.next(c)) {
                    at = At.AFTER_VALUE;
                    return false;
                }
                arguments(c);
                if (value.done()) at = At.AFTER_VALUE;
            }
            case SKIP -> {
                if (!value.next(c)) {
                    at = afterValue;
                    return false;
                }
                if (value.done()) at = afterValue;
            }
            case AFTER_VALUE -> {
                if (c == ',') at = At.OBJECT_NEXT;
                else if (c == '}') endElement();
                else if (!whitespace(c)) at = At.BROKEN;
            }
            case DONE, BROKEN -> { }  // after the array nothing counts; a broken output stops where it broke
        }
        return true;
    }

    private void startElement() {
        call = -1;
        name = null;
        hasName = false;
        hasParameters = false;
        pending.setLength(0);
        at = At.OBJECT_FIRST;
    }

    private void endElement() {
        // no parameters at all: "{}", as ForcedToolCall.calls answers it (the guide always writes them)
        if (call >= 0 && !hasParameters) {
            piece('{');
            piece('}');
        }
        at = At.AFTER_ELEMENT;
    }

    /** Starts skipping a value that begins with c, then goes on at {@code then}. */
    private void skip(char c, At then) {
        value.start(c);
        afterValue = then;
        at = value.done() ? then : At.SKIP;
    }

    /** The element's name has closed: its call starts, with the arguments read before it. */
    private void startCall() {
        if (call >= 0) return;
        call = started++;
        flush();
        openCall = call;
        openId = ToolCallParser.newId();
        openName = name;
        openArgs.append(pending);
        pending.setLength(0);
    }

    /** One character of the parameters value: sent if the call has started, held until its name closes if not. */
    private void arguments(char c) {
        if (call < 0) pending.append(c);
        else piece(c);
    }

    /** Adds to the open delta when it is this call's, else opens one (a call's pieces in one feed make one delta). */
    private void piece(char c) {
        if (openCall != call) {
            flush();
            openCall = call;
        }
        openArgs.append(c);
    }

    private void flush() {
        if (openCall >= 0) out.add(new ToolCallStream.Delta(openCall, openId, openName, openArgs.toString()));
        openCall = -1;
        openId = openName = null;
        openArgs.setLength(0);
    }

    /** One character inside a JSON string after its opening quote, decoded into {@code decoded}; true at its closing quote. */
    private boolean decode(char c) {
        if (unicode >= 0) {
            code = code * 16 + Character.digit(c, 16);
            if (--unicode == 0) {
                decoded.append((char) code);  // a surrogate pair comes as two escapes, and joins in the String
                unicode = -1;
            }
        } else if (escape) {
            escape = false;
            switch (c) {
                case 'u' -> {
                    unicode = 4;
                    code = 0;
                }
                case 'b' -> decoded.append('\b');
                case 'f' -> decoded.append('\f');
                case 'n' -> decoded.append('\n');
                case 'r' -> decoded.append('\r');
                case 't' -> decoded.append('\t');
                default -> decoded.append(c);  // \" \\ \/
            }
        } else if (c == '\\') {
            escape = true;
        } else if (c == '"') {
            return true;
        } else {
            decoded.append(c);
        }
        return false;
    }

    private static boolean whitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

    /**
     * The extent of one JSON value read through raw: an object or array ends at its matching bracket, a string at its
     * closing quote (brackets and quotes inside strings do not count), a number or literal at the first character that
     * cannot be part of it.
     */
    private static final class Value {
        private int depth;           // open brackets
        private boolean string;      // inside a string
        private boolean escape;      // after a backslash in a string
        private boolean scalar;      // a number or literal
        private boolean done;

        void start(char c) {
            depth = 0;
            string = false;
            escape = false;
            scalar = false;
            done = false;
            if (c == '{' || c == '[') depth = 1;
            else if (c == '"') string = true;
            else scalar = true;
        }

        /** Reads the next character; false when the value had already ended (a number's or literal's end). */
        boolean next(char c) {
            if (scalar) {
                if (whitespace(c) || c == ',' || c == '}' || c == ']') {
                    done = true;
                    return false;
                }
                return true;
            }
            if (string) {
                if (escape) escape = false;
                else if (c == '\\') escape = true;
                else if (c == '"') {
                    string = false;
                    done = depth == 0;
                }
            } else if (c == '"') {
                string = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                done = --depth == 0;
            }
            return true;
        }

        boolean done() { return done; }
    }
}
