package ai.baton.engine.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A callable macro (or the caller() of a call block). It runs in a fresh frame whose parent is
 * the frame it was defined in; missing parameters without defaults are Undefined, as in Jinja.
 */
final class Macro implements PyCallable {
    private final Node.MacroDef def;
    private final Scope closure;
    private final Interpreter interpreter;

    Macro(Node.MacroDef def, Scope closure, Interpreter interpreter) {
        this.def = def;
        this.closure = closure;
        this.interpreter = interpreter;
    }

    String name() {
        return def.name();
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        Scope frame = new Scope(closure);
        Map<String, Object> extra = new LinkedHashMap<>(kwargs);
        List<String> params = def.params();
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            if (i < args.size()) {
                if (extra.containsKey(p)) throw new TemplateException("macro '" + def.name() + "' got multiple values for argument '" + p + "'");
                frame.set(p, args.get(i));
            } else if (extra.containsKey(p)) {
                frame.set(p, extra.remove(p));
            } else if (def.defaults().get(i) != null) {
                frame.set(p, interpreter.eval(def.defaults().get(i), frame));
            } else {
                frame.set(p, new Undefined("parameter '" + p + "' was not provided"));
            }
        }
        if (extra.containsKey("caller") && def.usesCaller()) frame.set("caller", extra.remove("caller"));
        else extra.remove("caller");
        if (args.size() > params.size()) {
            if (!def.usesVarargs()) {
                throw new TemplateException("macro '" + def.name() + "' takes not more than " + params.size() + " argument(s)");
            }
        }
        if (def.usesVarargs()) {
            frame.set("varargs", PyTuple.of(args.size() > params.size() ? args.subList(params.size(), args.size()) : new ArrayList<>()));
        }
        if (!extra.isEmpty() && !def.usesKwargs()) {
            throw new TemplateException("macro '" + def.name() + "' takes no keyword argument '" + extra.keySet().iterator().next() + "'");
        }
        if (def.usesKwargs()) frame.set("kwargs", extra);
        StringBuilder out = new StringBuilder();
        interpreter.exec(def.body(), frame, out);
        return out.toString();
    }
}
