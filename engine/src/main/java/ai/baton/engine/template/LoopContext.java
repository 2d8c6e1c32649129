package ai.baton.engine.template;

import java.util.List;
import java.util.Map;

/** The {@code loop} variable of a for loop; calling it recurses in a {@code recursive} loop. */
final class LoopContext implements PyCallable {
    private final List<Object> items;
    private final int index0;
    private final int depth0;
    private final PyCallable recurse; // null unless the loop is recursive
    private final Object[] lastChanged; // shared by all iterations: loop.changed()'s memory

    LoopContext(List<Object> items, int index0, int depth0, PyCallable recurse, Object[] lastChanged) {
        this.items = items;
        this.index0 = index0;
        this.depth0 = depth0;
        this.recurse = recurse;
        this.lastChanged = lastChanged;
    }

    int index0() {
        return index0;
    }

    int length() {
        return items.size();
    }

    /** Attribute lookup; Undefined for unknown names. */
    Object attr(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> (PyCallable) (args, kw) -> {
                if (args.isEmpty()) throw new TemplateException("no items for cycling given");
                return args.get(index0 % args.size());
            };
            case "changed" -> (PyCallable) (args, kw) -> {
                PyTuple value = PyTuple.of(args);
                if (lastChanged[0] instanceof PyTuple prev && PyOps.eq(prev, value)) return false;
                lastChanged[0] = value;
                return true;
            };
            default -> Undefined.attribute(this, name);
        };
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        if (recurse == null) {
            throw new TemplateException("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.");
        }
        return recurse.call(args, kwargs);
    }
}
