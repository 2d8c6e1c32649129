package ai.baton.engine.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** Python's str() and repr() of template values: what {{ x }} prints for non-strings. */
final class PyRepr {
    private PyRepr() {}

    /** str(v), with Jinja's Undefined printing as "". */
    static String str(Object v) {
        if (v instanceof String s) return s;
        if (v == null) return "None";
        if (v instanceof Undefined) return "";
        return repr(v);
    }

    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb);
        return sb.toString();
    }

    static void repr(Object v, StringBuilder sb) {
        switch (v) {
            case null -> sb.append("None");
            case String s -> quote(s, sb);
            case Boolean b -> sb.append(b ? "True" : "False");
            case Double d -> sb.append(floatRepr(d));
            case Long l -> sb.append(l.longValue());
            case BigInteger b -> sb.append(b);
            case Undefined u -> sb.append("Undefined");
            case PyTuple t -> {
                sb.append('(');
                for (int i = 0; i < t.size(); i++) {
                    if (i > 0) sb.append(", ");
                    repr(t.get(i), sb);
                }
                if (t.size() == 1) sb.append(',');
                sb.append(')');
            }
            case PyRange r -> sb.append(r.repr());
            case PyGenerator g -> sb.append(g.typeName().equals("generator") ? "<generator object " + g.name : "<" + g.name + " object")
                    .append(" at 0x7f0000000000>");
            case DictView dv -> {
                sb.append(dv.kind).append('(');
                reprList(dv, sb);
                sb.append(')');
            }
            case List<?> l -> reprList(l, sb);
            case Map<?, ?> m -> reprMap(m, sb);
            case Namespace ns -> {
                sb.append("<Namespace ");
                reprMap(ns.attrs, sb);
                sb.append('>');
            }
            case Macro m -> sb.append("<Macro '").append(m.name()).append("'>");
            case LoopContext l -> sb.append("<LoopContext ").append(l.index0() + 1).append('/').append(l.length()).append('>');
            case PyCallable c -> sb.append("<built-in function>");
            default -> sb.append(v);
        }
    }

    private static void reprList(List<?> l, StringBuilder sb) {
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) sb.append(", ");
            repr(l.get(i), sb);
        }
        sb.append(']');
    }

    private static void reprMap(Map<?, ?> m, StringBuilder sb) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) sb.append(", ");
            first = false;
            repr(e.getKey(), sb);
            sb.append(": ");
            repr(e.getValue(), sb);
        }
        sb.append('}');
    }

    /** Python's repr of a str: prefers single quotes, escapes non-printable code points. */
    static void quote(String s, StringBuilder sb) {
        char q = (s.indexOf('\'') >= 0 && s.indexOf('"') < 0) ? '"' : '\'';
        sb.append(q);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == q || c == '\\') sb.append('\\').append((char) c);
            else if (c == '\t') sb.append("\\t");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", c));
            else if (c < 0x7f || isPrintable(c)) sb.appendCodePoint(c);
            else if (c <= 0xff) sb.append(String.format("\\x%02x", c));
            else if (c <= 0xffff) sb.append(String.format("\\u%04x", c));
            else sb.append(String.format("\\U%08x", c));
        }
        sb.append(q);
    }

    /** Python's str.isprintable() for one code point (categories C*, Z* except space are not). */
    static boolean isPrintable(int c) {
        if (c == ' ') return true;
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * Python's float repr: the shortest digits that round-trip (Java's Double.toString finds the
     * same digits), laid out in fixed notation when the decimal exponent is in [-4, 16), else as
     * 1.5e+16.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        double a = Math.abs(d);
        BigDecimal bd = new BigDecimal(Double.toString(a)).stripTrailingZeros();
        if (bd.precision() == 2) {
            // Java never prints fewer than 2 digits; Python's shortest repr may be 1 (5e-324).
            BigDecimal one = new BigDecimal(a).round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(one.toString()) == a) bd = one.stripTrailingZeros();
        }
        String digits = bd.unscaledValue().toString();
        // value = 0.digits * 10^decpt
        int decpt = digits.length() - bd.scale();
        StringBuilder sb = new StringBuilder();
        if (d < 0) sb.append('-');
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                sb.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt < digits.length()) {
                sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            } else {
                sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exp));
            if (e.length() < 2) sb.append('0');
            sb.append(e);
        }
        return sb.toString();
    }
}
