package ai.baton.engine.template;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's builtin tests ({@code x is defined}, {@code n is divisibleby 3}, ...). */
final class JinjaTests {
    private JinjaTests() {}

    static final Set<String> NAMES = Set.of("boolean", "callable", "defined", "divisibleby", "eq", "equalto",
            "escaped", "even", "false", "filter", "float", "ge", "gt", "greaterthan", "in", "integer", "iterable",
            "le", "lessthan", "lower", "lt", "mapping", "ne", "none", "number", "odd", "sameas", "sequence",
            "string", "test", "true", "undefined", "upper", "==", "!=", "<", "<=", ">", ">=");

    static Object apply(Interpreter in, String name, Object v, List<Object> args, Map<String, Object> kw) {
        Object[] p;
        switch (name) {
            case "defined" -> {
                return !(v instanceof Undefined);
            }
            case "undefined" -> {
                return v instanceof Undefined;
            }
            case "none" -> {
                return v == null;
            }
            case "boolean" -> {
                return v instanceof Boolean;
            }
            case "true" -> {
                return Boolean.TRUE.equals(v);
            }
            case "false" -> {
                return Boolean.FALSE.equals(v);
            }
            case "integer" -> {
                return v instanceof Long || v instanceof BigInteger;
            }
            case "float" -> {
                return v instanceof Double;
            }
            case "number" -> {
                return PyOps.isNumber(v);
            }
            case "string" -> {
                return v instanceof String;
            }
            case "mapping" -> {
                return v instanceof Map;
            }
            case "iterable" -> {
                return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined
                        || v instanceof PyGenerator;
            }
            case "sequence" -> {
                return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            }
            case "callable" -> {
                return v instanceof PyCallable || v instanceof Undefined;
            }
            case "escaped" -> {
                return false;
            }
            case "lower" -> {
                return PyStr.isLower(PyRepr.str(v));
            }
            case "upper" -> {
                return PyStr.isUpper(PyRepr.str(v));
            }
            case "even" -> {
                return PyOps.eq(PyOps.binary("%", v, 2L), 0L);
            }
            case "odd" -> {
                return PyOps.eq(PyOps.binary("%", v, 2L), 1L);
            }
            case "divisibleby" -> {
                p = Args.bind(name, args, kw, "num");
                return PyOps.eq(PyOps.binary("%", v, Args.required(name, p[0], "num")), 0L);
            }
            case "eq", "equalto", "==" -> {
                return PyOps.eq(v, one(name, args, kw));
            }
            case "ne", "!=" -> {
                return !PyOps.eq(v, one(name, args, kw));
            }
            case "lt", "lessthan", "<" -> {
                return PyOps.compareOp("<", v, one(name, args, kw));
            }
            case "le", "<=" -> {
                return PyOps.compareOp("<=", v, one(name, args, kw));
            }
            case "gt", "greaterthan", ">" -> {
                return PyOps.compareOp(">", v, one(name, args, kw));
            }
            case "ge", ">=" -> {
                return PyOps.compareOp(">=", v, one(name, args, kw));
            }
            case "in" -> {
                return PyOps.contains(one(name, args, kw), v);
            }
            case "sameas" -> {
                Object other = one(name, args, kw);
                if (v == null || other == null || v instanceof Boolean || other instanceof Boolean) return v == other || (v != null && v.equals(other));
                if (v instanceof Long a && other instanceof Long b) return a.longValue() == b.longValue() && a >= -5 && a <= 256;
                return v == other;
            }
            case "filter" -> {
                return v instanceof String s && Filters.NAMES.contains(s);
            }
            case "test" -> {
                return v instanceof String s && NAMES.contains(s);
            }
            default -> throw new TemplateException("No test named '" + name + "'.");
        }
    }

    private static Object one(String name, List<Object> args, Map<String, Object> kw) {
        Object[] p = Args.bind(name, args, kw, "other");
        return Args.required(name, p[0], "other");
    }
}
