package ai.baton.engine.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's builtin filters with their Python semantics, plus transformers' tojson (json.dumps
 * without HTML escaping). Filters that return generators in Jinja return lists here.
 */
final class Filters {
    private Filters() {}

    static final Set<String> NAMES = Set.of("abs", "attr", "batch", "capitalize", "center", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "forceescape", "format", "indent", "int", "items", "join",
            "last", "length", "list", "lower", "map", "max", "min", "pprint", "reject", "rejectattr", "replace",
            "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim",
            "truncate", "unique", "upper", "wordcount");

    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    static Object apply(Interpreter in, String name, Object v, List<Object> args, Map<String, Object> kw) {
        Object[] p;
        switch (name) {
            case "length", "count" -> {
                Args.bind(name, args, kw);
                return PyOps.len(v);
            }
            case "tojson" -> {
                p = Args.bind(name, args, kw, "ensure_ascii", "indent", "separators", "sort_keys");
                return PyJson.dumps(v, PyOps.truthy(Args.or(p[0], false)), Args.or(p[1], null), Args.or(p[2], null),
                        PyOps.truthy(Args.or(p[3], false)));
            }
            case "trim" -> {
                p = Args.bind(name, args, kw, "chars");
                return PyStr.strip(PyRepr.str(v), Args.or(p[0], null));
            }
            case "upper" -> {
                return PyStr.upper(PyRepr.str(v));
            }
            case "lower" -> {
                return PyStr.lower(PyRepr.str(v));
            }
            case "title" -> {
                return title(PyRepr.str(v));
            }
            case "capitalize" -> {
                return PyStr.capitalize(PyRepr.str(v));
            }
            case "default", "d" -> {
                p = Args.bind(name, args, kw, "default_value", "boolean");
                boolean bool = PyOps.truthy(Args.or(p[1], false));
                if (v instanceof Undefined || (bool && !PyOps.truthy(v))) return Args.or(p[0], "");
                return v;
            }
            case "first" -> {
                if (v instanceof PyGenerator g) {
                    Object next = g.next();
                    return next != Scope.MISSING ? next : new Undefined("No first item, sequence was empty.");
                }
                List<Object> items = PyOps.iterate(v);
                return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                if (v instanceof PyGenerator g) throw new TemplateException("'" + g.typeName() + "' object is not reversible");
                List<Object> items = PyOps.iterate(v);
                return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "join" -> {
                p = Args.bind(name, args, kw, "d", "attribute");
                List<Object> items = PyOps.iterate(v);
                if (Args.or(p[1], null) != null) items = mapList(items, attrGetter(p[1], null, false));
                StringBuilder sb = new StringBuilder();
                String sep = PyRepr.str(Args.or(p[0], ""));
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) sb.append(sep);
                    sb.append(PyRepr.str(items.get(i)));
                }
                return sb.toString();
            }
            case "list" -> {
                return new ArrayList<>(PyOps.iterate(v));
            }
            case "map" -> {
                Function<Object, Object> f = mapFunction(in, args, kw);
                // Jinja's map and select family yield nothing for a falsy input (None included).
                return new PyGenerator("sync_do_map", () -> PyOps.truthy(v) ? mapList(PyOps.iterate(v), f) : new ArrayList<>());
            }
            case "select", "reject", "selectattr", "rejectattr" -> {
                Predicate<Object> pred = selectPredicate(in, name, args, kw);
                boolean keep = name.startsWith("select");
                return new PyGenerator("select_or_reject", () -> {
                    List<Object> out = new ArrayList<>();
                    if (!PyOps.truthy(v)) return out;
                    for (Object item : PyOps.iterate(v)) if (pred.test(item) == keep) out.add(item);
                    return out;
                });
            }
            case "string" -> {
                return PyRepr.str(v);
            }
            case "int" -> {
                p = Args.bind(name, args, kw, "default", "base");
                return toInt(v, Args.or(p[0], 0L), PyOps.toLong(Args.or(p[1], 10L)));
            }
            case "float" -> {
                p = Args.bind(name, args, kw, "default");
                Object f = toFloat(v);
                return f != null ? f : Args.or(p[0], 0.0);
            }
            case "abs" -> {
                if (v instanceof Double d) return Math.abs(d);
                if (PyOps.isInt(v)) return PyOps.normInt(PyOps.big(v).abs());
                throw new TemplateException("bad operand type for abs(): '" + PyOps.typeName(v) + "'");
            }
            case "round" -> {
                p = Args.bind(name, args, kw, "precision", "method");
                return round(v, (int) PyOps.toLong(Args.or(p[0], 0L)), PyRepr.str(Args.or(p[1], "common")));
            }
            case "replace" -> {
                p = Args.bind(name, args, kw, "old", "new", "count");
                Object count = Args.or(p[2], null);
                return PyStr.replace(PyRepr.str(v), PyRepr.str(Args.required(name, p[0], "old")),
                        PyRepr.str(Args.required(name, p[1], "new")), count == null ? -1 : PyOps.toLong(count));
            }
            case "items" -> {
                return new PyGenerator("do_items", () -> {
                    if (v instanceof Undefined) return new ArrayList<>();
                    if (!(v instanceof Map<?, ?> m)) throw new TemplateException("Can only get item pairs from a mapping.");
                    List<Object> out = new ArrayList<>();
                    for (Map.Entry<?, ?> e : m.entrySet()) out.add(new PyTuple(e.getKey(), e.getValue()));
                    return out;
                });
            }
            case "dictsort" -> {
                p = Args.bind(name, args, kw, "case_sensitive", "by", "reverse");
                boolean caseSensitive = PyOps.truthy(Args.or(p[0], false));
                String by = PyRepr.str(Args.or(p[1], "key"));
                int pos = switch (by) {
                    case "key" -> 0;
                    case "value" -> 1;
                    default -> throw new TemplateException("You can only sort by either 'key' or 'value'");
                };
                if (!(v instanceof Map<?, ?> m)) throw new TemplateException("dictsort needs a mapping");
                List<Object> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) items.add(new PyTuple(e.getKey(), e.getValue()));
                Function<Object, Object> key = item -> {
                    Object k = ((PyTuple) item).get(pos);
                    return caseSensitive ? k : ignoreCase(k);
                };
                sortBy(items, key, PyOps.truthy(Args.or(p[2], false)));
                return items;
            }
            case "unique" -> {
                p = Args.bind(name, args, kw, "case_sensitive", "attribute");
                boolean caseSensitive = PyOps.truthy(Args.or(p[0], false));
                Function<Object, Object> key = attrGetter(Args.or(p[1], null), null, !caseSensitive);
                return new PyGenerator("sync_do_unique", () -> {
                    List<Object> out = new ArrayList<>();
                    List<Object> seen = new ArrayList<>();
                    for (Object item : PyOps.iterate(v)) {
                        Object k = key.apply(item);
                        if (seen.stream().noneMatch(x -> PyOps.eq(x, k))) {
                            seen.add(k);
                            out.add(item);
                        }
                    }
                    return out;
                });
            }
            case "reverse" -> {
                // str -> reversed str; a sequence or dict -> a reverse iterator; else reversed list(value).
                if (v instanceof String s) return new StringBuilder(s).reverse().toString();
                if (v instanceof PyGenerator || v instanceof Undefined) {
                    List<Object> out = new ArrayList<>(PyOps.iterate(v));
                    Collections.reverse(out);
                    return out;
                }
                List<Object> out = new ArrayList<>(PyOps.iterate(v));
                Collections.reverse(out);
                return new PyGenerator(v instanceof Map ? "dict_reversekeyiterator" : "list_reverseiterator", () -> out);
            }
            case "sort" -> {
                p = Args.bind(name, args, kw, "reverse", "case_sensitive", "attribute");
                List<Object> items = new ArrayList<>(PyOps.iterate(v));
                sortBy(items, attrGetter(Args.or(p[2], null), null, !PyOps.truthy(Args.or(p[1], false))),
                        PyOps.truthy(Args.or(p[0], false)));
                return items;
            }
            case "sum" -> {
                p = Args.bind(name, args, kw, "attribute", "start");
                List<Object> items = PyOps.iterate(v);
                if (Args.or(p[0], null) != null) items = mapList(items, attrGetter(p[0], null, false));
                Object total = Args.or(p[1], 0L);
                for (Object item : items) total = PyOps.add(total, item);
                return total;
            }
            case "min", "max" -> {
                p = Args.bind(name, args, kw, "case_sensitive", "attribute");
                List<Object> items = PyOps.iterate(v);
                if (items.isEmpty()) return new Undefined("No aggregated item, sequence was empty.");
                Function<Object, Object> key = attrGetter(Args.or(p[1], null), null, !PyOps.truthy(Args.or(p[0], false)));
                Object best = items.get(0);
                Object bestKey = key.apply(best);
                for (Object item : items.subList(1, items.size())) {
                    Object k = key.apply(item);
                    int c = PyOps.compare(k, bestKey, "<");
                    if (name.equals("min") ? c < 0 : c > 0) {
                        best = item;
                        bestKey = k;
                    }
                }
                return best;
            }
            case "indent" -> {
                p = Args.bind(name, args, kw, "width", "first", "blank");
                Object width = Args.or(p[0], 4L);
                String ind = width instanceof String s ? s : " ".repeat((int) Math.max(0, PyOps.toLong(width)));
                // Jinja appends "\n" to the value itself, so only strings work.
                if (!(v instanceof String str)) {
                    if (v instanceof Undefined u) throw u.fail();
                    throw new TemplateException("can only concatenate " + PyOps.typeName(v) + " (not \"str\") to " + PyOps.typeName(v));
                }
                return indent(str, ind, PyOps.truthy(Args.or(p[1], false)), PyOps.truthy(Args.or(p[2], false)));
            }
            case "safe" -> {
                return PyRepr.str(v);
            }
            case "escape", "e", "forceescape" -> {
                return escape(PyRepr.str(v));
            }
            case "attr" -> {
                p = Args.bind(name, args, kw, "name");
                // Python getattr only: unlike x.name, a dict's keys are not attributes here.
                String attr = PyRepr.str(Args.required(name, p[0], "name"));
                if (v instanceof Namespace || v instanceof LoopContext || v instanceof Undefined) return PyAccess.getAttr(v, attr);
                PyCallable method = PyMethods.lookup(v, attr);
                return method != null ? method : Undefined.attribute(v, attr);
            }
            case "center" -> {
                p = Args.bind(name, args, kw, "width");
                return PyStr.center(PyRepr.str(v), PyOps.toLong(Args.or(p[0], 80L)), " ");
            }
            case "wordcount" -> {
                Matcher m = WORD.matcher(PyRepr.str(v));
                long n = 0;
                while (m.find()) n++;
                return n;
            }
            case "format" -> {
                if (!args.isEmpty() && !kw.isEmpty()) {
                    throw new TemplateException("can't handle positional and keyword arguments at the same time");
                }
                return PyFormat.percent(PyRepr.str(v), kw.isEmpty() ? PyTuple.of(args) : new LinkedHashMap<>(kw));
            }
            case "batch" -> {
                p = Args.bind(name, args, kw, "linecount", "fill_with");
                int size = (int) PyOps.toLong(Args.required(name, p[0], "linecount"));
                Object fill = p[1];
                return new PyGenerator("do_batch", () -> {
                    List<Object> out = new ArrayList<>();
                    List<Object> cur = new ArrayList<>();
                    for (Object item : PyOps.iterate(v)) {
                        if (cur.size() == size) {
                            out.add(cur);
                            cur = new ArrayList<>();
                        }
                        cur.add(item);
                    }
                    if (!cur.isEmpty()) {
                        if (fill != Args.MISSING && fill != null) while (cur.size() < size) cur.add(fill);
                        out.add(cur);
                    }
                    return out;
                });
            }
            case "truncate" -> {
                p = Args.bind(name, args, kw, "length", "killwords", "end", "leeway");
                return truncate(PyRepr.str(v), (int) PyOps.toLong(Args.or(p[0], 255L)), PyOps.truthy(Args.or(p[1], false)),
                        PyRepr.str(Args.or(p[2], "...")), (int) PyOps.toLong(Args.or(p[3], 5L)));
            }
            case "pprint" -> {
                return PyRepr.repr(v);
            }
            default -> throw new TemplateException("No filter named '" + name + "'.");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Jinja's title filter: upper-cases the first letter after a run of "-", whitespace, ( { [ <. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean wordStart = true;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            String ch = new String(Character.toChars(c));
            boolean delim = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || PyStr.isSpace(c);
            if (delim) {
                sb.append(ch);
                wordStart = true;
            } else {
                sb.append(wordStart ? PyStr.upper(ch) : PyStr.lower(ch));
                wordStart = false;
            }
        }
        return sb.toString();
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String indent(String s, String ind, boolean first, boolean blank) {
        List<Object> lines = PyStr.splitlines(s + "\n", false);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) rv.append('\n').append(ind);
                rv.append((String) lines.get(i));
            }
        } else {
            rv.append((String) lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                rv.append('\n');
                if (!line.isEmpty()) rv.append(ind).append(line);
            }
        }
        return first ? ind + rv : rv.toString();
    }

    private static String truncate(String s, int length, boolean killwords, String end, int leeway) {
        if (PyStr.len(s) <= length + leeway) return s;
        int keep = Math.max(0, length - PyStr.len(end));
        String head = s.substring(0, PyStr.offset(s, keep));
        if (killwords) return head + end;
        int sp = head.lastIndexOf(' ');
        if (sp >= 0) head = head.substring(0, sp);
        return head + end;
    }

    private static Object ignoreCase(Object v) {
        return v instanceof String s ? PyStr.lower(s) : v;
    }

    private static void sortBy(List<Object> items, Function<Object, Object> key, boolean reverse) {
        List<Object> keys = mapList(items, key);
        Integer[] order = new Integer[items.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Comparator<Integer> cmp = (a, b) -> PyOps.compare(keys.get(a), keys.get(b), "<");
        // Python's sorted(reverse=True) keeps equal elements in their original order.
        java.util.Arrays.sort(order, reverse ? (a, b) -> cmp.compare(b, a) : cmp);
        List<Object> sorted = new ArrayList<>(items.size());
        for (int i : order) sorted.add(items.get(i));
        items.clear();
        items.addAll(sorted);
    }

    private static List<Object> mapList(List<Object> items, Function<Object, Object> f) {
        List<Object> out = new ArrayList<>(items.size());
        for (Object item : items) out.add(f.apply(item));
        return out;
    }

    /**
     * Jinja's make_attrgetter: "a.b.0" walks items/attributes (digit parts become ints);
     * comma-separated attributes build a tuple key (make_multi_attrgetter) for sort.
     */
    private static Function<Object, Object> attrGetter(Object attribute, Object dflt, boolean lowerCase) {
        if (attribute == null) return item -> lowerCase ? ignoreCase(item) : item;
        if (attribute instanceof String a && a.contains(",")) {
            List<Function<Object, Object>> parts = new ArrayList<>();
            for (String piece : a.split(",")) parts.add(attrGetter(piece, dflt, lowerCase));
            return item -> {
                Object[] out = new Object[parts.size()];
                for (int i = 0; i < out.length; i++) out[i] = parts.get(i).apply(item);
                return new PyTuple(out);
            };
        }
        List<Object> path = new ArrayList<>();
        if (attribute instanceof String a) {
            for (String part : a.split("\\.", -1)) {
                path.add(!part.isEmpty() && part.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(part) : part);
            }
        } else {
            path.add(attribute);
        }
        return item -> {
            Object cur = item;
            for (Object part : path) {
                cur = PyAccess.getItem(cur, part);
                if (dflt != null && cur instanceof Undefined) cur = dflt;
            }
            return lowerCase ? ignoreCase(cur) : cur;
        };
    }

    private static Function<Object, Object> mapFunction(Interpreter in, List<Object> args, Map<String, Object> kw) {
        if (args.isEmpty() && kw.containsKey("attribute")) {
            Map<String, Object> rest = new LinkedHashMap<>(kw);
            Object attribute = rest.remove("attribute");
            Object dflt = rest.remove("default");
            if (!rest.isEmpty()) throw new TemplateException("Unexpected keyword argument " + PyRepr.repr(rest.keySet().iterator().next()));
            return attrGetter(attribute, dflt, false);
        }
        if (args.isEmpty()) throw new TemplateException("map requires a filter argument");
        String filter = PyRepr.str(args.get(0));
        List<Object> rest = args.subList(1, args.size());
        return item -> apply(in, filter, item, rest, kw);
    }

    private static Predicate<Object> selectPredicate(Interpreter in, String name, List<Object> args, Map<String, Object> kw) {
        boolean byAttr = name.endsWith("attr");
        Function<Object, Object> trans = item -> item;
        int off = 0;
        if (byAttr) {
            if (args.isEmpty()) throw new TemplateException("Missing parameter for attribute name");
            trans = attrGetter(args.get(0), null, false);
            off = 1;
        }
        Function<Object, Object> t = trans;
        if (args.size() <= off) return item -> PyOps.truthy(t.apply(item));
        String test = PyRepr.str(args.get(off));
        List<Object> rest = args.subList(off + 1, args.size());
        return item -> PyOps.truthy(JinjaTests.apply(in, test, t.apply(item), rest, kw));
    }

    /** Jinja's int filter: int(x), else int(float(x)), else the default. */
    private static Object toInt(Object v, Object dflt, long base) {
        if (PyOps.isInt(v)) return v instanceof Boolean b ? (Object) (b ? 1L : 0L) : v;
        if (v instanceof Double d) return Double.isFinite(d) ? PyOps.normInt(new BigDecimal(d).toBigInteger()) : dflt;
        if (v instanceof String s) {
            String t = s.strip().replace("_", "");
            try {
                if (base == 16 && (t.startsWith("0x") || t.startsWith("0X"))) t = t.substring(2);
                if (base == 8 && (t.startsWith("0o") || t.startsWith("0O"))) t = t.substring(2);
                if (base == 2 && (t.startsWith("0b") || t.startsWith("0B"))) t = t.substring(2);
                return PyOps.normInt(new BigInteger(t, (int) base));
            } catch (NumberFormatException e) {
                Object f = toFloat(v);
                if (f instanceof Double d && Double.isFinite(d)) return PyOps.normInt(new BigDecimal(d).toBigInteger());
                return dflt;
            }
        }
        return dflt;
    }

    private static final Pattern FLOAT = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    /** Python's float(x), or null where it raises. */
    private static Object toFloat(Object v) {
        if (v instanceof Double) return v;
        if (PyOps.isInt(v)) return PyOps.toDouble(v);
        if (v instanceof String s) {
            String t = s.strip().replace("_", "");
            String low = t.toLowerCase();
            switch (low.startsWith("+") || low.startsWith("-") ? low.substring(1) : low) {
                case "inf", "infinity" -> {
                    return low.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                }
                case "nan" -> {
                    return Double.NaN;
                }
                default -> { }
            }
            if (FLOAT.matcher(t).matches()) return Double.parseDouble(t);
        }
        return null;
    }

    private static Object round(Object v, int precision, String method) {
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw new TemplateException("method must be common, ceil or floor");
        }
        if (!PyOps.isNumber(v)) throw new TemplateException("type " + PyOps.typeName(v) + " doesn't define __round__ method");
        if (method.equals("common")) {
            if (PyOps.isInt(v)) {
                BigInteger b = PyOps.big(v);
                if (precision >= 0) return PyOps.normInt(b);
                return PyOps.normInt(new BigDecimal(b).setScale(precision, RoundingMode.HALF_EVEN).toBigInteger());
            }
            double d = (Double) v;
            if (!Double.isFinite(d)) return d;
            return new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).doubleValue();
        }
        double scale = Math.pow(10, precision);
        double x = PyOps.toDouble(v) * scale;
        return (method.equals("ceil") ? Math.ceil(x) : Math.floor(x)) / scale;
    }
}
