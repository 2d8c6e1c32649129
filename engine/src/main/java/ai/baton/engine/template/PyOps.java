package ai.baton.engine.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python operator semantics over the template value model: None = null, bool = Boolean,
 * int = Long (BigInteger past 64 bits), float = Double, str = String, list = List, tuple =
 * PyTuple, dict = Map, plus Undefined.
 */
final class PyOps {
    private PyOps() {}

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case String s -> "str";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case PyTuple t -> "tuple";
            case DictView dv -> dv.kind;
            case PyRange r -> "range";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case Macro m -> "Macro";
            case LoopContext l -> "LoopContext";
            case PyGenerator g -> g.typeName();
            case PyCallable c -> "builtin_function_or_method";
            default -> v.getClass().getSimpleName();
        };
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0;
            case BigInteger b -> b.signum() != 0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    /** Python type of a List-backed value: list, tuple, range or a dict view never compare equal. */
    private static String seqKind(Object v) {
        return v instanceof PyTuple ? "tuple" : v instanceof DictView dv ? dv.kind : v instanceof PyRange ? "range" : "list";
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof BigInteger || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return isInt(v) || v instanceof Double;
    }

    static Object normInt(BigInteger b) {
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    static BigInteger big(Object v) {
        if (v instanceof BigInteger b) return b;
        return BigInteger.valueOf(toLong(v));
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Double d -> d;
            case Long l -> l;
            case BigInteger b -> b.doubleValue();
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw new TemplateException("must be real number, not " + typeName(v));
        };
    }

    /** An int argument (Python's __index__): ints and bools only. */
    static long toLong(Object v) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            case BigInteger b -> {
                if (b.bitLength() >= 64) throw new TemplateException("Python int too large to convert to C ssize_t");
                yield b.longValue();
            }
            case Undefined u -> throw u.fail();
            case null, default -> throw new TemplateException("'" + typeName(v) + "' object cannot be interpreted as an integer");
        };
    }

    // ---- equality and ordering ---------------------------------------------------------------

    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
        if (isNumber(a) && isNumber(b)) return numCompare(a, b) == 0;
        if (a instanceof String x && b instanceof String y) return x.equals(y);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (!seqKind(a).equals(seqKind(b)) || x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!eq(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    private static int numCompare(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            double x = toDouble(a);
            double y = toDouble(b);
            if (Double.isNaN(x) || Double.isNaN(y)) return 2; // unordered: never equal
            return Double.compare(x == 0 ? 0.0 : x, y == 0 ? 0.0 : y);
        }
        if (a instanceof BigInteger || b instanceof BigInteger) return big(a).compareTo(big(b));
        return Long.compare(toLong(a), toLong(b));
    }

    /** Python's ordering (&lt;): numbers, strings, and same-kind sequences; else TypeError. */
    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            int c = numCompare(a, b);
            return c == 2 ? 0 : c;
        }
        if (a instanceof String x && b instanceof String y) return PyStr.compare(x, y);
        if (a instanceof List<?> x && b instanceof List<?> y && seqKind(a).equals(seqKind(b))
                && (seqKind(a).equals("list") || seqKind(a).equals("tuple"))) {
            int n = Math.min(x.size(), y.size());
            for (int i = 0; i < n; i++) {
                if (!eq(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), op);
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) throw u.fail();
        if (b instanceof Undefined u) throw u.fail();
        throw new TemplateException("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    static boolean compareOp(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> eq(a, b);
            case "!=" -> !eq(a, b);
            case "<" -> nanSafe(a, b) && compare(a, b, op) < 0;
            case "<=" -> nanSafe(a, b) && compare(a, b, op) <= 0;
            case ">" -> nanSafe(a, b) && compare(a, b, op) > 0;
            case ">=" -> nanSafe(a, b) && compare(a, b, op) >= 0;
            case "in" -> contains(b, a);
            case "not in" -> !contains(b, a);
            default -> throw new TemplateException("unknown comparison " + op);
        };
    }

    private static boolean nanSafe(Object a, Object b) {
        return !(a instanceof Double x && x.isNaN()) && !(b instanceof Double y && y.isNaN());
    }

    static boolean contains(Object container, Object item) {
        switch (container) {
            case String s -> {
                if (!(item instanceof String sub)) {
                    if (item instanceof Undefined u) throw u.fail();
                    throw new TemplateException("'in <string>' requires string as left operand, not " + typeName(item));
                }
                return s.contains(sub);
            }
            case Map<?, ?> m -> {
                if ((item instanceof List && !(item instanceof PyTuple)) || item instanceof Map) {
                    throw new TemplateException("unhashable type: '" + typeName(item) + "'");
                }
                for (Object k : m.keySet()) if (eq(k, item)) return true;
                return false;
            }
            case List<?> l -> {
                for (Object o : l) if (eq(o, item)) return true;
                return false;
            }
            case Undefined u -> {
                return false;
            }
            case PyGenerator g -> {
                return g.consumeUntil(item);
            }
            case null, default -> throw new TemplateException("argument of type '" + typeName(container) + "' is not iterable");
        }
    }

    // ---- iteration ---------------------------------------------------------------------------

    /** Materialises iter(v): str -> characters, dict -> keys, Undefined -> empty. */
    static List<Object> iterate(Object v) {
        switch (v) {
            case List<?> l -> {
                @SuppressWarnings("unchecked") List<Object> ol = (List<Object>) l;
                return ol;
            }
            case Map<?, ?> m -> {
                return new ArrayList<>(m.keySet());
            }
            case String s -> {
                return PyStr.chars(s);
            }
            case Undefined u -> {
                return List.of();
            }
            case PyGenerator g -> {
                return g.drain();
            }
            case Iterable<?> it -> {
                List<Object> out = new ArrayList<>();
                for (Iterator<?> i = it.iterator(); i.hasNext(); ) out.add(i.next());
                return out;
            }
            case null, default -> throw new TemplateException("'" + typeName(v) + "' object is not iterable");
        }
    }

    static long len(Object v) {
        return switch (v) {
            case String s -> PyStr.len(s);
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case Namespace n -> n.attrs.size();
            case null, default -> throw new TemplateException("object of type '" + typeName(v) + "' has no len()");
        };
    }

    // ---- arithmetic --------------------------------------------------------------------------

    private static void checkDefined(Object a, Object b) {
        if (a instanceof Undefined u) throw u.fail();
        if (b instanceof Undefined u) throw u.fail();
    }

    private static TemplateException unsupported(String op, Object a, Object b) {
        return new TemplateException("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    static Object binary(String op, Object a, Object b) {
        // str % x formats x with str(); only the other operators reach Undefined's failing hooks.
        if (op.equals("%") && a instanceof String fmt) return PyFormat.percent(fmt, b);
        checkDefined(a, b);
        return switch (op) {
            case "+" -> add(a, b);
            case "-" -> sub(a, b);
            case "*" -> mul(a, b);
            case "/" -> truediv(a, b);
            case "//" -> floordiv(a, b);
            case "%" -> mod(a, b);
            case "**" -> pow(a, b);
            default -> throw new TemplateException("unknown operator " + op);
        };
    }

    static Object add(Object a, Object b) {
        if (a instanceof String x) {
            if (b instanceof String y) return x + y;
            throw new TemplateException("can only concatenate str (not \"" + typeName(b) + "\") to str");
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return toDouble(a) + toDouble(b);
            if (a instanceof BigInteger || b instanceof BigInteger) return normInt(big(a).add(big(b)));
            long x = toLong(a), y = toLong(b), r = x + y;
            if (((x ^ r) & (y ^ r)) < 0) return normInt(big(a).add(big(b)));
            return r;
        }
        if (a instanceof List<?> x && b instanceof List<?> y && seqKind(a).equals(seqKind(b))
                && (seqKind(a).equals("list") || seqKind(a).equals("tuple"))) {
            List<Object> out = new ArrayList<>(x);
            out.addAll(y);
            return a instanceof PyTuple ? PyTuple.of(out) : out;
        }
        if (a instanceof List<?> && seqKind(a).equals("list")) {
            throw new TemplateException("can only concatenate list (not \"" + typeName(b) + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    static Object sub(Object a, Object b) {
        if (!isNumber(a) || !isNumber(b)) throw unsupported("-", a, b);
        if (a instanceof Double || b instanceof Double) return toDouble(a) - toDouble(b);
        if (a instanceof BigInteger || b instanceof BigInteger) return normInt(big(a).subtract(big(b)));
        long x = toLong(a), y = toLong(b), r = x - y;
        if (((x ^ y) & (x ^ r)) < 0) return normInt(big(a).subtract(big(b)));
        return r;
    }

    static Object mul(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return toDouble(a) * toDouble(b);
            return normInt(big(a).multiply(big(b)));
        }
        if (isInt(b) && isRepeatable(a)) return repeat(a, toLong(b));
        if (isInt(a) && isRepeatable(b)) return repeat(b, toLong(a));
        throw unsupported("*", a, b);
    }

    private static boolean isRepeatable(Object v) {
        return v instanceof String || (v instanceof List && (seqKind(v).equals("list") || seqKind(v).equals("tuple")));
    }

    /** Guards the JVM against templates like 'x' * 10**12 (Python would just run out of memory). */
    private static final long MAX_REPEAT = 1L << 28;

    private static Object repeat(Object seq, long n) {
        long size = seq instanceof String s ? s.length() : ((List<?>) seq).size();
        if (n > 0 && size > 0 && n > MAX_REPEAT / size) throw new TemplateException("repetition result too large");
        if (seq instanceof String s) return n <= 0 ? "" : s.repeat((int) n);
        List<?> l = (List<?>) seq;
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < n; i++) out.addAll(l);
        return seq instanceof PyTuple ? PyTuple.of(out) : out;
    }

    static Object truediv(Object a, Object b) {
        if (!isNumber(a) || !isNumber(b)) throw unsupported("/", a, b);
        double y = toDouble(b);
        if (y == 0) throw new TemplateException("division by zero");
        return toDouble(a) / y;
    }

    static Object floordiv(Object a, Object b) {
        if (!isNumber(a) || !isNumber(b)) throw unsupported("//", a, b);
        if (a instanceof Double || b instanceof Double) {
            double y = toDouble(b);
            if (y == 0) throw new TemplateException("float floor division by zero");
            return Math.floor(toDouble(a) / y);
        }
        BigInteger y = big(b);
        if (y.signum() == 0) throw new TemplateException("integer division or modulo by zero");
        BigInteger[] qr = big(a).divideAndRemainder(y);
        BigInteger q = qr[0];
        if (qr[1].signum() != 0 && (qr[1].signum() != y.signum())) q = q.subtract(BigInteger.ONE);
        return normInt(q);
    }

    static Object mod(Object a, Object b) {
        if (a instanceof String fmt) return PyFormat.percent(fmt, b);
        if (!isNumber(a) || !isNumber(b)) throw unsupported("%", a, b);
        if (a instanceof Double || b instanceof Double) {
            double x = toDouble(a), y = toDouble(b);
            if (y == 0) throw new TemplateException("float modulo");
            double m = x % y;
            if (m != 0 && ((y < 0) != (m < 0))) m += y;
            return m;
        }
        BigInteger y = big(b);
        if (y.signum() == 0) throw new TemplateException("integer division or modulo by zero");
        BigInteger m = big(a).mod(y.abs());
        if (y.signum() < 0 && m.signum() != 0) m = m.add(y);
        return normInt(m);
    }

    static Object pow(Object a, Object b) {
        if (!isNumber(a) || !isNumber(b)) throw unsupported("** or pow()", a, b);
        if (isInt(a) && isInt(b)) {
            long e = toLong(b);
            if (e >= 0) return normInt(big(a).pow((int) e));
            if (big(a).signum() == 0) throw new TemplateException("0.0 cannot be raised to a negative power");
            return Math.pow(toDouble(a), e);
        }
        return Math.pow(toDouble(a), toDouble(b));
    }

    static Object negate(Object a) {
        return switch (a) {
            case Double d -> -d;
            case Long l -> l == Long.MIN_VALUE ? normInt(BigInteger.valueOf(l).negate()) : (Object) (-l);
            case BigInteger b -> normInt(b.negate());
            case Boolean b -> b ? -1L : 0L;
            case Undefined u -> throw u.fail();
            case null, default -> throw new TemplateException("bad operand type for unary -: '" + typeName(a) + "'");
        };
    }

    static Object plus(Object a) {
        return switch (a) {
            case Double d -> d;
            case Long l -> l;
            case BigInteger b -> b;
            case Boolean b -> b ? 1L : 0L;
            case Undefined u -> throw u.fail();
            case null, default -> throw new TemplateException("bad operand type for unary +: '" + typeName(a) + "'");
        };
    }
}
