package ai.baton.engine.template;

import java.util.List;
import java.util.function.Supplier;

/**
 * What Jinja's map/select/reject/selectattr/rejectattr/unique/batch/items (and reverse of a
 * list) return: a one-shot Python iterator. It is always truthy, has no len(), cannot be
 * indexed, and a second loop over it sees only what the first left. Templates that forget
 * {@code |list} depend on exactly this, so it is modelled rather than replaced by a list.
 */
final class PyGenerator {
    final String name;
    private final Supplier<List<Object>> source;
    private List<Object> items;
    private int pos;

    PyGenerator(String name, Supplier<List<Object>> source) {
        this.name = name;
        this.source = source;
    }

    private List<Object> items() {
        if (items == null) items = source.get();
        return items;
    }

    /** Consumes and returns everything not yet consumed. */
    List<Object> drain() {
        List<Object> all = items();
        List<Object> rest = all.subList(Math.min(pos, all.size()), all.size());
        pos = all.size();
        return rest;
    }

    /** next(it): the next item, or null-marker {@link Scope#MISSING} when exhausted. */
    Object next() {
        List<Object> all = items();
        return pos < all.size() ? all.get(pos++) : Scope.MISSING;
    }

    /** x in it: consumes up to and including the first match, like Python. */
    boolean consumeUntil(Object x) {
        List<Object> all = items();
        while (pos < all.size()) {
            if (PyOps.eq(all.get(pos++), x)) return true;
        }
        return false;
    }

    String typeName() {
        return name.equals("list_reverseiterator") ? name : "generator";
    }
}
