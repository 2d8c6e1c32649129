package ai.baton.engine.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bound methods of str, dict and list/tuple values ({@code s.startswith('x')}, {@code d.items()}).
 * Mutating methods exist (so attribute lookup finds them, as in Python) but refuse to run, as
 * in Jinja's ImmutableSandboxedEnvironment that transformers uses.
 */
final class PyMethods {
    private PyMethods() {}

    private static final Set<String> STR = Set.of("capitalize", "casefold", "center", "count", "endswith", "find",
            "format", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric",
            "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix",
            "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
            "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill");
    private static final Set<String> DICT = Set.of("items", "keys", "values", "get", "copy");
    private static final Set<String> DICT_UNSAFE = Set.of("pop", "popitem", "setdefault", "update", "clear");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_UNSAFE = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
            "sort", "clear");

    /** The bound method, or null if the value has no such attribute. */
    static PyCallable lookup(Object obj, String name) {
        if (obj instanceof String s && STR.contains(name)) return (a, k) -> str(s, name, a, k);
        if (obj instanceof Map<?, ?> m) {
            if (DICT.contains(name)) return (a, k) -> dict(m, name, a, k);
            if (DICT_UNSAFE.contains(name)) return unsafe(obj, name);
        }
        if (obj instanceof List<?> l && !(obj instanceof DictView)) {
            if (LIST.contains(name) && !(obj instanceof PyTuple && name.equals("copy"))) return (a, k) -> list(l, name, a, k);
            if (LIST_UNSAFE.contains(name) && !(obj instanceof PyTuple)) return unsafe(obj, name);
        }
        return null;
    }

    private static PyCallable unsafe(Object obj, String name) {
        return (a, k) -> {
            throw new TemplateException("access to attribute '" + name + "' of '" + PyOps.typeName(obj) + "' object is unsafe.");
        };
    }

    private static String strArg(String method, Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Undefined u) throw u.fail();
        throw new TemplateException(method + "() argument must be str, not " + PyOps.typeName(v));
    }

    private static Object opt(Object v) {
        return v == Args.MISSING ? null : v;
    }

    private static long optLong(Object v, long dflt) {
        return v == Args.MISSING || v == null ? dflt : PyOps.toLong(v);
    }

    private static String fillArg(Object v) {
        if (v == Args.MISSING) return " ";
        String f = strArg("fill", v);
        if (PyStr.len(f) != 1) throw new TemplateException("The fill character must be exactly one character long");
        return f;
    }

    private static Object str(String s, String name, List<Object> args, Map<String, Object> kw) {
        Object[] p;
        switch (name) {
            case "startswith", "endswith" -> {
                p = Args.bind(name, args, kw, "prefix", "start", "end");
                return PyStr.startsOrEndsWith(s, Args.required(name, p[0], "prefix"), opt(p[1]), opt(p[2]), name.equals("endswith"));
            }
            case "split", "rsplit" -> {
                p = Args.bind(name, args, kw, "sep", "maxsplit");
                Object sep = opt(p[0]);
                long max = optLong(p[1], -1);
                return name.equals("split") ? PyStr.split(s, sep, max) : PyStr.rsplit(s, sep, max);
            }
            case "strip", "lstrip", "rstrip" -> {
                p = Args.bind(name, args, kw, "chars");
                Object chars = opt(p[0]);
                return switch (name) {
                    case "strip" -> PyStr.strip(s, chars);
                    case "lstrip" -> PyStr.lstrip(s, chars);
                    default -> PyStr.rstrip(s, chars);
                };
            }
            case "splitlines" -> {
                p = Args.bind(name, args, kw, "keepends");
                return PyStr.splitlines(s, PyOps.truthy(Args.or(p[0], false)));
            }
            case "upper" -> {
                Args.bind(name, args, kw);
                return PyStr.upper(s);
            }
            case "lower", "casefold" -> {
                Args.bind(name, args, kw);
                return PyStr.lower(s);
            }
            case "title" -> {
                Args.bind(name, args, kw);
                return PyStr.title(s);
            }
            case "capitalize" -> {
                Args.bind(name, args, kw);
                return PyStr.capitalize(s);
            }
            case "swapcase" -> {
                Args.bind(name, args, kw);
                return PyStr.swapcase(s);
            }
            case "replace" -> {
                p = Args.bind(name, args, kw, "old", "new", "count");
                return PyStr.replace(s, strArg(name, Args.required(name, p[0], "old")),
                        strArg(name, Args.required(name, p[1], "new")), optLong(p[2], -1));
            }
            case "find", "rfind", "index", "rindex" -> {
                p = Args.bind(name, args, kw, "sub", "start", "end");
                long r = PyStr.find(s, strArg(name, Args.required(name, p[0], "sub")), opt(p[1]), opt(p[2]), name.startsWith("r"));
                if (r < 0 && name.endsWith("index")) throw new TemplateException("substring not found");
                return r;
            }
            case "count" -> {
                p = Args.bind(name, args, kw, "sub", "start", "end");
                return PyStr.count(s, strArg(name, Args.required(name, p[0], "sub")), opt(p[1]), opt(p[2]));
            }
            case "join" -> {
                p = Args.bind(name, args, kw, "iterable");
                List<Object> items = PyOps.iterate(Args.required(name, p[0], "iterable"));
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String item)) {
                        throw new TemplateException("sequence item " + i + ": expected str instance, "
                                + PyOps.typeName(items.get(i)) + " found");
                    }
                    if (i > 0) sb.append(s);
                    sb.append(item);
                }
                return sb.toString();
            }
            case "format" -> {
                return PyFormat.format(s, args, kw);
            }
            case "center", "ljust", "rjust" -> {
                p = Args.bind(name, args, kw, "width", "fillchar");
                long w = PyOps.toLong(Args.required(name, p[0], "width"));
                String fill = fillArg(p[1]);
                return switch (name) {
                    case "center" -> PyStr.center(s, w, fill);
                    case "ljust" -> PyStr.ljust(s, w, fill);
                    default -> PyStr.rjust(s, w, fill);
                };
            }
            case "zfill" -> {
                p = Args.bind(name, args, kw, "width");
                return PyStr.zfill(s, PyOps.toLong(Args.required(name, p[0], "width")));
            }
            case "partition", "rpartition" -> {
                p = Args.bind(name, args, kw, "sep");
                String sep = strArg(name, Args.required(name, p[0], "sep"));
                if (sep.isEmpty()) throw new TemplateException("empty separator");
                int k = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (k < 0) return name.equals("partition") ? new PyTuple(s, "", "") : new PyTuple("", "", s);
                return new PyTuple(s.substring(0, k), sep, s.substring(k + sep.length()));
            }
            case "removeprefix" -> {
                p = Args.bind(name, args, kw, "prefix");
                String x = strArg(name, Args.required(name, p[0], "prefix"));
                return s.startsWith(x) ? s.substring(x.length()) : s;
            }
            case "removesuffix" -> {
                p = Args.bind(name, args, kw, "suffix");
                String x = strArg(name, Args.required(name, p[0], "suffix"));
                return s.endsWith(x) && !x.isEmpty() ? s.substring(0, s.length() - x.length()) : s;
            }
            case "isupper" -> {
                return PyStr.isUpper(s);
            }
            case "islower" -> {
                return PyStr.isLower(s);
            }
            case "isspace" -> {
                return PyStr.all(s, PyStr::isSpace);
            }
            case "isdigit", "isdecimal", "isnumeric" -> {
                return PyStr.all(s, Character::isDigit);
            }
            case "isalpha" -> {
                return PyStr.all(s, Character::isLetter);
            }
            case "isalnum" -> {
                return PyStr.all(s, Character::isLetterOrDigit);
            }
            case "isascii" -> {
                return s.chars().allMatch(c -> c < 128);
            }
            case "istitle" -> {
                return !s.isEmpty() && PyStr.title(s).equals(s) && !PyStr.lower(s).equals(s);
            }
            default -> throw new TemplateException("'str' object has no attribute '" + name + "'");
        }
    }

    private static Object dict(Map<?, ?> m, String name, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "items" -> {
                Args.bind(name, args, kw);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new PyTuple(e.getKey(), e.getValue()));
                return new DictView("dict_items", out);
            }
            case "keys" -> {
                Args.bind(name, args, kw);
                return new DictView("dict_keys", new ArrayList<>(m.keySet()));
            }
            case "values" -> {
                Args.bind(name, args, kw);
                return new DictView("dict_values", new ArrayList<>(m.values()));
            }
            case "get" -> {
                Object[] p = Args.bind(name, args, kw, "key", "default");
                Object v = PyAccess.mapGet(m, Args.required(name, p[0], "key"));
                return v != Scope.MISSING ? v : opt(p[1]);
            }
            case "copy" -> {
                Args.bind(name, args, kw);
                return new LinkedHashMap<>(m);
            }
            default -> throw new TemplateException("'dict' object has no attribute '" + name + "'");
        }
    }

    private static Object list(List<?> l, String name, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "index" -> {
                Object[] p = Args.bind(name, args, kw, "value", "start", "stop");
                Object x = Args.required(name, p[0], "value");
                int a = PyStr.clampIndex(opt(p[1]), l.size(), 0);
                int b = PyStr.clampIndex(opt(p[2]), l.size(), l.size());
                for (int i = a; i < b; i++) if (PyOps.eq(l.get(i), x)) return (long) i;
                throw new TemplateException(PyRepr.repr(x) + " is not in list");
            }
            case "count" -> {
                Object[] p = Args.bind(name, args, kw, "value");
                Object x = Args.required(name, p[0], "value");
                long n = 0;
                for (Object o : l) if (PyOps.eq(o, x)) n++;
                return n;
            }
            case "copy" -> {
                Args.bind(name, args, kw);
                return new ArrayList<Object>(l);
            }
            default -> throw new TemplateException("'list' object has no attribute '" + name + "'");
        }
    }
}
