package ai.baton.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja's sandboxed attribute and item access. {@code x.name} tries a Python attribute first
 * (so {@code d.items} is the dict method) and then the item; {@code x[key]} tries the item
 * first, then the attribute. A miss gives Undefined, never an error; unlike Jinja2, attribute
 * or item access on Undefined also yields Undefined (only using the result fails).
 */
final class PyAccess {
    private PyAccess() {}

    static Object getAttr(Object obj, String name) {
        switch (obj) {
            case Namespace ns -> {
                return ns.attrs.containsKey(name) ? ns.attrs.get(name) : Undefined.attribute(obj, name);
            }
            case LoopContext loop -> {
                return loop.attr(name);
            }
            case Undefined u -> {
                return u;
            }
            case null -> {
                return Undefined.attribute(null, name);
            }
            default -> { }
        }
        PyCallable method = PyMethods.lookup(obj, name);
        if (method != null) return method;
        if (obj instanceof Map<?, ?> m) {
            Object v = mapGet(m, name);
            if (v != Scope.MISSING) return v;
        }
        return Undefined.attribute(obj, name);
    }

    static Object getItem(Object obj, Object key) {
        if (key instanceof java.math.BigInteger && (obj instanceof List || obj instanceof String)) {
            return new Undefined("cannot fit 'int' into an index-sized integer");
        }
        switch (obj) {
            case Map<?, ?> m -> {
                Object v = mapGet(m, key);
                if (v != Scope.MISSING) return v;
            }
            case String s when PyOps.isInt(key) -> {
                return indexString(s, PyOps.toLong(key));
            }
            case List<?> l when PyOps.isInt(key) -> {
                long i = PyOps.toLong(key);
                if (i < 0) i += l.size();
                return i >= 0 && i < l.size() ? l.get((int) i) : new Undefined(PyOps.typeName(obj) + " index out of range");
            }
            case Undefined u -> {
                return u;
            }
            case null -> {
                return Undefined.attribute(null, key);
            }
            default -> { }
        }
        if (key instanceof String name) return getAttr(obj, name);
        return Undefined.attribute(obj, key);
    }

    /** Python dict lookup: 1, 1.0 and True are the same key. */
    static Object mapGet(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) return m.get(key);
        if (PyOps.isNumber(key)) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (PyOps.isNumber(e.getKey()) && PyOps.eq(e.getKey(), key)) return e.getValue();
            }
        }
        return Scope.MISSING;
    }

    private static Object indexString(String s, long i) {
        if (!PyStr.hasSurrogates(s)) {
            if (i < 0) i += s.length();
            return i >= 0 && i < s.length() ? String.valueOf(s.charAt((int) i)) : new Undefined("string index out of range");
        }
        List<Object> chars = PyStr.chars(s);
        if (i < 0) i += chars.size();
        return i >= 0 && i < chars.size() ? chars.get((int) i) : new Undefined("string index out of range");
    }

    /**
     * obj[start:stop:step] with Python's clamping rules; null bounds are omitted ones. Jinja
     * compiles slices to plain Python subscripts, so unlike item access a bad target fails.
     */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        for (Object b : new Object[] {start, stop, step}) {
            if (b instanceof Undefined u) throw u.fail();
            if (b != null && !PyOps.isInt(b)) {
                throw new TemplateException("slice indices must be integers or None or have an __index__ method");
            }
        }
        long st = step == null ? 1 : PyOps.toLong(step);
        if (st == 0) throw new TemplateException("slice step cannot be zero");
        List<?> items;
        switch (obj) {
            case String s -> items = PyStr.hasSurrogates(s) ? PyStr.chars(s) : null;
            case List<?> l -> items = l;
            case Undefined u -> throw u.fail();
            case Map<?, ?> m -> throw new TemplateException("unhashable type: 'slice'");
            case null, default -> throw new TemplateException("'" + PyOps.typeName(obj) + "' object is not subscriptable");
        }
        int len = items != null ? items.size() : ((String) obj).length();
        long lower = st > 0 ? 0 : -1;
        long upper = st > 0 ? len : len - 1;
        long a = bound(start, len, lower, upper, st > 0 ? lower : upper);
        long b = bound(stop, len, lower, upper, st > 0 ? upper : lower);
        if (items == null) {
            String s = (String) obj;
            if (st == 1) return a < b ? s.substring((int) a, (int) b) : "";
            StringBuilder sb = new StringBuilder();
            for (long i = a; st > 0 ? i < b : i > b; i += st) sb.append(s.charAt((int) i));
            return sb.toString();
        }
        List<Object> out = new ArrayList<>();
        for (long i = a; st > 0 ? i < b : i > b; i += st) out.add(items.get((int) i));
        if (obj instanceof String) {
            StringBuilder sb = new StringBuilder();
            for (Object c : out) sb.append((String) c);
            return sb.toString();
        }
        return obj instanceof PyTuple ? PyTuple.of(out) : out;
    }

    private static long bound(Object v, int len, long lower, long upper, long dflt) {
        if (v == null) return dflt;
        long i = PyOps.toLong(v);
        if (i < 0) {
            i += len;
            if (i < lower) i = lower;
        } else if (i > upper) {
            i = upper;
        }
        return i;
    }
}
