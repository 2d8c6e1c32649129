package ai.baton.engine.template;

/**
 * Jinja's default Undefined: renders as "", is falsy, iterates as empty, has length 0. Any
 * arithmetic or call on it fails with the hint describing what was missing.
 */
final class Undefined {
    /** Why the value is undefined, in Jinja's wording, e.g. "'x' is undefined". */
    final String hint;

    Undefined(String hint) {
        this.hint = hint;
    }

    static Undefined name(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object attr) {
        if (owner instanceof Undefined u) return u;
        return new Undefined("'" + PyOps.typeName(owner) + " object' has no attribute " + PyRepr.repr(attr));
    }

    TemplateException fail() {
        return new TemplateException(hint);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Undefined;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "";
    }
}
