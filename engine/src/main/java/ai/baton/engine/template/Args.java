package ai.baton.engine.template;

import java.util.List;
import java.util.Map;

/** Binds Python-style positional and keyword arguments to parameter names for builtins. */
final class Args {
    static final Object MISSING = Scope.MISSING;

    private Args() {}

    /** Returns one slot per name, MISSING where the caller passed nothing. */
    static Object[] bind(String fn, List<Object> args, Map<String, Object> kwargs, String... names) {
        if (args.size() > names.length) {
            throw new TemplateException(fn + "() takes at most " + names.length + " argument(s) (" + args.size() + " given)");
        }
        Object[] out = new Object[names.length];
        for (int i = 0; i < names.length; i++) out[i] = i < args.size() ? args.get(i) : MISSING;
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            int k = indexOf(names, e.getKey());
            if (k < 0) throw new TemplateException(fn + "() got an unexpected keyword argument '" + e.getKey() + "'");
            if (out[k] != MISSING) throw new TemplateException(fn + "() got multiple values for argument '" + e.getKey() + "'");
            out[k] = e.getValue();
        }
        return out;
    }

    private static int indexOf(String[] names, String n) {
        for (int i = 0; i < names.length; i++) if (names[i].equals(n)) return i;
        return -1;
    }

    static Object or(Object v, Object dflt) {
        return v == MISSING ? dflt : v;
    }

    static Object required(String fn, Object v, String name) {
        if (v == MISSING) throw new TemplateException(fn + "() missing required argument '" + name + "'");
        return v;
    }
}
