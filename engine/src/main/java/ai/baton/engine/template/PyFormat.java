package ai.baton.engine.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * Python string formatting: printf-style {@code "%s" % x} (also the {@code format} filter) and
 * {@code str.format}. Numbers are rounded from their exact binary value, half to even, as
 * CPython does (Java's Formatter rounds the shortest decimal half-up instead).
 */
final class PyFormat {
    private PyFormat() {}

    // ---- printf style ----------------------------------------------------------------------

    static String percent(String fmt, Object arg) {
        List<?> args;
        Map<?, ?> mapping = null;
        if (arg instanceof PyTuple t) {
            args = t;
        } else {
            args = java.util.Collections.singletonList(arg);
            // Python treats any non-tuple, non-str argument with __getitem__ as a mapping: it is
            // then never "not all arguments converted" (lists and Undefined included).
            if (arg instanceof Map<?, ?> m) mapping = m;
            else if (arg instanceof Undefined || (arg instanceof List && !(arg instanceof DictView))) mapping = Map.of();
        }
        StringBuilder out = new StringBuilder();
        int ai = 0;
        int n = fmt.length();
        for (int i = 0; i < n; i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (++i >= n) throw new TemplateException("incomplete format");
            Object value = null;
            boolean fromMapping = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (close < 0) throw new TemplateException("incomplete format key");
                if (mapping == null) throw new TemplateException("format requires a mapping");
                if (arg instanceof Undefined u) throw u.fail();
                if (!(arg instanceof Map)) throw new TemplateException(PyOps.typeName(arg) + " indices must be integers or slices, not str");
                String key = fmt.substring(i + 1, close);
                if (!mapping.containsKey(key)) throw new TemplateException("KeyError: " + PyRepr.repr(key));
                value = mapping.get(key);
                fromMapping = true;
                i = close + 1;
            }
            String flags = "";
            while (i < n && "-+ #0".indexOf(fmt.charAt(i)) >= 0) flags += fmt.charAt(i++);
            int width = -1;
            if (i < n && fmt.charAt(i) == '*') {
                width = (int) PyOps.toLong(args.get(ai++));
                i++;
            } else {
                int s = i;
                while (i < n && Character.isDigit(fmt.charAt(i))) i++;
                if (i > s) width = Integer.parseInt(fmt.substring(s, i));
            }
            int prec = -1;
            if (i < n && fmt.charAt(i) == '.') {
                i++;
                if (i < n && fmt.charAt(i) == '*') {
                    prec = (int) PyOps.toLong(args.get(ai++));
                    i++;
                } else {
                    int s = i;
                    while (i < n && Character.isDigit(fmt.charAt(i))) i++;
                    prec = i > s ? Integer.parseInt(fmt.substring(s, i)) : 0;
                }
            }
            while (i < n && "hlL".indexOf(fmt.charAt(i)) >= 0) i++;
            if (i >= n) throw new TemplateException("incomplete format");
            char conv = fmt.charAt(i);
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (!fromMapping) {
                if (ai >= args.size()) throw new TemplateException("not enough arguments for format string");
                value = args.get(ai++);
            }
            String body;
            boolean numeric = false;
            switch (conv) {
                case 's' -> body = truncate(PyRepr.str(value), prec);
                case 'r', 'a' -> body = truncate(PyRepr.repr(value), prec);
                case 'd', 'i', 'u' -> {
                    body = intValue(value, "%" + conv).toString();
                    numeric = true;
                }
                case 'x', 'X', 'o' -> {
                    BigInteger v = intValue(value, "%" + conv);
                    String digits = v.abs().toString(conv == 'o' ? 8 : 16);
                    if (conv == 'X') digits = digits.toUpperCase();
                    if (flags.contains("#")) digits = (conv == 'o' ? "0o" : conv == 'x' ? "0x" : "0X") + digits;
                    body = (v.signum() < 0 ? "-" : "") + digits;
                    numeric = true;
                }
                case 'e', 'E', 'f', 'F', 'g', 'G' -> {
                    body = formatFloat(PyOps.toDouble(value), conv, prec < 0 ? 6 : prec, flags.contains("#"));
                    numeric = true;
                }
                case 'c' -> body = value instanceof String s ? s : new String(Character.toChars((int) PyOps.toLong(value)));
                default -> throw new TemplateException("unsupported format character '" + conv + "'");
            }
            if (numeric && !body.startsWith("-")) {
                if (flags.contains("+")) body = "+" + body;
                else if (flags.contains(" ")) body = " " + body;
            }
            out.append(pad(body, width, flags.contains("-") ? '<' : (numeric && flags.contains("0") ? '=' : '>'),
                    numeric && flags.contains("0") && !flags.contains("-") ? '0' : ' '));
        }
        if (mapping == null && ai < args.size()) {
            throw new TemplateException("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static BigInteger intValue(Object v, String what) {
        if (v instanceof Double d) return new BigDecimal(d).toBigInteger();
        if (PyOps.isInt(v)) return PyOps.big(v);
        throw new TemplateException(what + " format: a real number is required, not " + PyOps.typeName(v));
    }

    private static String truncate(String s, int prec) {
        if (prec < 0 || PyStr.len(s) <= prec) return s;
        return s.substring(0, PyStr.offset(s, prec));
    }

    // ---- floats ----------------------------------------------------------------------------

    /** Formats d like Python's '%.{prec}{conv}' / format(d, '.{prec}{conv}'). */
    static String formatFloat(double d, char conv, int prec, boolean alt) {
        if (Double.isNaN(d)) return Character.isUpperCase(conv) ? "NAN" : "nan";
        if (Double.isInfinite(d)) {
            String s = Character.isUpperCase(conv) ? "INF" : "inf";
            return d < 0 ? "-" + s : s;
        }
        boolean neg = d < 0 || (d == 0 && 1 / d < 0);
        BigDecimal v = new BigDecimal(Math.abs(d));
        String body = switch (Character.toLowerCase(conv)) {
            case 'f' -> fixed(v, prec, alt);
            case 'e' -> exponent(v, prec, alt);
            default -> general(v, prec, alt);
        };
        if (Character.isUpperCase(conv)) body = body.toUpperCase();
        return neg ? "-" + body : body;
    }

    private static String fixed(BigDecimal v, int prec, boolean alt) {
        String s = v.setScale(prec, RoundingMode.HALF_EVEN).toPlainString();
        return prec == 0 && alt ? s + "." : s;
    }

    private static String exponent(BigDecimal v, int prec, boolean alt) {
        int exp;
        String digits;
        if (v.signum() == 0) {
            exp = 0;
            digits = "0".repeat(prec + 1);
        } else {
            BigDecimal r = v.round(new MathContext(prec + 1, RoundingMode.HALF_EVEN));
            digits = r.unscaledValue().toString();
            exp = digits.length() - 1 - r.scale();
            if (digits.length() < prec + 1) digits = digits + "0".repeat(prec + 1 - digits.length());
            else if (digits.length() > prec + 1) digits = digits.substring(0, prec + 1);
        }
        StringBuilder sb = new StringBuilder().append(digits.charAt(0));
        if (prec > 0 || alt) sb.append('.');
        sb.append(digits, 1, digits.length());
        sb.append('e').append(exp < 0 ? '-' : '+');
        if (Math.abs(exp) < 10) sb.append('0');
        return sb.append(Math.abs(exp)).toString();
    }

    private static String general(BigDecimal v, int prec, boolean alt) {
        int p = prec == 0 ? 1 : prec;
        int exp;
        if (v.signum() == 0) {
            exp = 0;
        } else {
            BigDecimal r = v.round(new MathContext(p, RoundingMode.HALF_EVEN));
            exp = r.precision() - 1 - r.scale();
        }
        String s = (exp >= -4 && exp < p) ? fixed(v, p - 1 - exp, alt) : exponent(v, p - 1, alt);
        if (!alt) {
            int e = s.indexOf('e');
            String mant = e < 0 ? s : s.substring(0, e);
            String tail = e < 0 ? "" : s.substring(e);
            if (mant.contains(".")) {
                mant = mant.replaceAll("0+$", "");
                if (mant.endsWith(".")) mant = mant.substring(0, mant.length() - 1);
            }
            s = mant + tail;
        }
        return s;
    }

    private static String pad(String body, int width, char align, char fill) {
        int len = PyStr.len(body);
        if (width <= len) return body;
        String f = String.valueOf(fill).repeat(width - len);
        return switch (align) {
            case '<' -> body + f;
            case '^' -> {
                int left = (width - len) / 2;
                yield String.valueOf(fill).repeat(left) + body + String.valueOf(fill).repeat(width - len - left);
            }
            case '=' -> {
                int signLen = !body.isEmpty() && "+- ".indexOf(body.charAt(0)) >= 0 ? 1 : 0;
                yield body.substring(0, signLen) + f + body.substring(signLen);
            }
            default -> f + body;
        };
    }

    // ---- str.format ------------------------------------------------------------------------

    static String format(String fmt, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        int n = fmt.length();
        for (int i = 0; i < n; i++) {
            char c = fmt.charAt(i);
            if (c == '}') {
                if (i + 1 < n && fmt.charAt(i + 1) == '}') {
                    out.append('}');
                    i++;
                    continue;
                }
                throw new TemplateException("Single '}' encountered in format string");
            }
            if (c != '{') {
                out.append(c);
                continue;
            }
            if (i + 1 < n && fmt.charAt(i + 1) == '{') {
                out.append('{');
                i++;
                continue;
            }
            int close = fmt.indexOf('}', i);
            if (close < 0) throw new TemplateException("Single '{' encountered in format string");
            String field = fmt.substring(i + 1, close);
            i = close;
            String spec = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                spec = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conversion = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                conversion = field.length() > bang + 1 ? field.charAt(bang + 1) : 's';
                field = field.substring(0, bang);
            }
            int end = 0;
            while (end < field.length() && field.charAt(end) != '.' && field.charAt(end) != '[') end++;
            String head = field.substring(0, end);
            Object value;
            if (head.isEmpty()) {
                if (auto >= args.size()) throw new TemplateException("Replacement index " + auto + " out of range for positional args tuple");
                value = args.get(auto++);
            } else if (head.chars().allMatch(Character::isDigit)) {
                int k = Integer.parseInt(head);
                if (k >= args.size()) throw new TemplateException("Replacement index " + k + " out of range for positional args tuple");
                value = args.get(k);
            } else {
                if (!kwargs.containsKey(head)) throw new TemplateException("KeyError: " + PyRepr.repr(head));
                value = kwargs.get(head);
            }
            String rest = field.substring(end);
            while (!rest.isEmpty()) {
                if (rest.charAt(0) == '.') {
                    int k = 1;
                    while (k < rest.length() && rest.charAt(k) != '.' && rest.charAt(k) != '[') k++;
                    value = PyAccess.getAttr(value, rest.substring(1, k));
                    rest = rest.substring(k);
                } else {
                    int k = rest.indexOf(']');
                    if (k < 0) throw new TemplateException("Missing ']' in format string");
                    String key = rest.substring(1, k);
                    Object keyObj = key.chars().allMatch(Character::isDigit) && !key.isEmpty() ? (Object) Long.parseLong(key) : key;
                    value = PyAccess.getItem(value, keyObj);
                    rest = rest.substring(k + 1);
                }
            }
            if (conversion == 'r' || conversion == 'a') value = PyRepr.repr(value);
            else if (conversion == 's') value = PyRepr.str(value);
            out.append(formatValue(value, spec));
        }
        return out.toString();
    }

    /** Python's format(value, spec) for str, int, float (a working subset of the mini-language). */
    static String formatValue(Object value, String spec) {
        if (spec.isEmpty()) return PyRepr.str(value);
        int i = 0;
        char fill = ' ';
        char align = 0;
        if (spec.length() >= 2 && "<>=^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if ("<>=^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        char sign = '-';
        if (i < spec.length() && "+- ".indexOf(spec.charAt(i)) >= 0) sign = spec.charAt(i++);
        boolean alt = false;
        if (i < spec.length() && spec.charAt(i) == '#') {
            alt = true;
            i++;
        }
        if (i < spec.length() && spec.charAt(i) == '0') {
            if (align == 0) {
                fill = '0';
                align = '=';
            }
            i++;
        }
        int s = i;
        while (i < spec.length() && Character.isDigit(spec.charAt(i))) i++;
        int width = i > s ? Integer.parseInt(spec.substring(s, i)) : -1;
        char grouping = 0;
        if (i < spec.length() && (spec.charAt(i) == ',' || spec.charAt(i) == '_')) grouping = spec.charAt(i++);
        int prec = -1;
        if (i < spec.length() && spec.charAt(i) == '.') {
            s = ++i;
            while (i < spec.length() && Character.isDigit(spec.charAt(i))) i++;
            prec = Integer.parseInt(spec.substring(s, i));
        }
        char type = i < spec.length() ? spec.charAt(i) : 0;
        String body;
        boolean numeric = PyOps.isNumber(value) && !(value instanceof Boolean && type == 0);
        if (value instanceof String || !numeric) {
            if (type != 0 && type != 's') {
                throw new TemplateException("Unknown format code '" + type + "' for object of type '" + PyOps.typeName(value) + "'");
            }
            body = truncate(PyRepr.str(value), prec);
            if (align == 0) align = '<';
        } else {
            if (align == 0) align = '>';
            boolean neg;
            if (PyOps.isInt(value) && (type == 0 || "dbxXoc".indexOf(type) >= 0)) {
                BigInteger v = PyOps.big(value);
                neg = v.signum() < 0;
                body = switch (type) {
                    case 'b' -> (alt ? "0b" : "") + v.abs().toString(2);
                    case 'o' -> (alt ? "0o" : "") + v.abs().toString(8);
                    case 'x' -> (alt ? "0x" : "") + v.abs().toString(16);
                    case 'X' -> (alt ? "0X" : "") + v.abs().toString(16).toUpperCase();
                    case 'c' -> new String(Character.toChars(v.intValue()));
                    default -> group(v.abs().toString(), grouping);
                };
            } else {
                double d = PyOps.toDouble(value);
                neg = d < 0 || (d == 0 && 1 / d < 0);
                double a = Math.abs(d);
                if (type == '%') {
                    body = formatFloat(a * 100, 'f', prec < 0 ? 6 : prec, alt) + "%";
                } else if (type == 0 && prec < 0) {
                    body = PyRepr.floatRepr(a);
                } else {
                    char t = type == 0 || type == 'n' ? 'g' : type;
                    body = formatFloat(a, t, prec < 0 ? 6 : prec, alt);
                    if (type == 0 && !body.contains(".") && !body.contains("e") && !body.contains("n")) body += ".0";
                }
                if (grouping != 0) {
                    int dot = body.indexOf('.');
                    String intPart = dot < 0 ? body : body.substring(0, dot);
                    if (intPart.chars().allMatch(Character::isDigit)) body = group(intPart, grouping) + (dot < 0 ? "" : body.substring(dot));
                }
            }
            String signStr = neg ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
            body = signStr + body;
        }
        return pad(body, width, align, fill);
    }

    private static String group(String digits, char sep) {
        if (sep == 0) return digits;
        StringBuilder sb = new StringBuilder();
        int n = digits.length();
        for (int i = 0; i < n; i++) {
            if (i > 0 && (n - i) % 3 == 0) sb.append(sep);
            sb.append(digits.charAt(i));
        }
        return sb.toString();
    }
}
