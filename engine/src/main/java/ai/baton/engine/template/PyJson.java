package ai.baton.engine.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's json.dumps, which is what transformers' tojson filter calls (ensure_ascii=False by
 * default, separators ", " / ": " or "," / ": " when indenting, insertion-ordered keys).
 */
final class PyJson {
    private final boolean ensureAscii;
    private final String indent; // null: single line
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;
    private final StringBuilder sb = new StringBuilder();

    private PyJson(boolean ensureAscii, String indent, String itemSep, String keySep, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSep = itemSep;
        this.keySep = keySep;
        this.sortKeys = sortKeys;
    }

    /**
     * @param indent    null, an int (spaces) or a string used as-is
     * @param separators null or a two-element list/tuple (item separator, key separator)
     */
    static String dumps(Object v, boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String ind = null;
        if (indent != null && !(indent instanceof Undefined)) {
            ind = indent instanceof String s ? s : " ".repeat((int) Math.max(0, PyOps.toLong(indent)));
        }
        String itemSep = ind == null ? ", " : ",";
        String keySep = ": ";
        if (separators != null && !(separators instanceof Undefined)) {
            List<Object> seps = PyOps.iterate(separators);
            if (seps.size() != 2) throw new TemplateException("separators must be a (item_separator, key_separator) pair");
            itemSep = PyRepr.str(seps.get(0));
            keySep = PyRepr.str(seps.get(1));
        }
        PyJson j = new PyJson(ensureAscii, ind, itemSep, keySep, sortKeys);
        j.write(v, 0);
        return j.sb.toString();
    }

    private void newline(int level) {
        sb.append('\n');
        for (int i = 0; i < level; i++) sb.append(indent);
    }

    private void write(Object v, int level) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(s);
            case Boolean b -> sb.append(b ? "true" : "false");
            case Long l -> sb.append(l.longValue());
            case BigInteger b -> sb.append(b);
            case Double d -> sb.append(floatText(d));
            case List<?> l -> {
                if (l.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(itemSep);
                    if (indent != null) newline(level + 1);
                    write(l.get(i), level + 1);
                }
                if (indent != null) newline(level);
                sb.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                if (sortKeys) entries.sort((a, b) -> PyOps.compare(a.getKey(), b.getKey(), "<"));
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : entries) {
                    if (!first) sb.append(itemSep);
                    first = false;
                    if (indent != null) newline(level + 1);
                    string(keyText(e.getKey()));
                    sb.append(keySep);
                    write(e.getValue(), level + 1);
                }
                if (indent != null) newline(level);
                sb.append('}');
            }
            default -> throw new TemplateException("Object of type " + PyOps.typeName(v) + " is not JSON serializable");
        }
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return PyRepr.floatRepr(d);
    }

    /** json.dumps turns scalar keys into strings and rejects the rest. */
    private static String keyText(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case BigInteger b -> b.toString();
            case Double d -> floatText(d);
            default -> throw new TemplateException("keys must be str, int, float, bool or None, not " + PyOps.typeName(k));
        };
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
