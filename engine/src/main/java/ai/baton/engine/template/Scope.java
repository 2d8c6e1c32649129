package ai.baton.engine.template;

import java.util.HashMap;
import java.util.Map;

/**
 * One frame of template variables. Jinja gives each for-loop iteration and each macro call a
 * fresh frame (assignments there do not leak out), while if/elif bodies share their parent's.
 */
final class Scope {
    /** Marks a name that is not bound in any frame (distinct from None and Undefined values). */
    static final Object MISSING = new Object();

    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, MISSING);
            if (v != MISSING) return v;
        }
        return MISSING;
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }

    void setAll(Map<String, Object> values) {
        vars.putAll(values);
    }
}
