package ai.baton.engine.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tree-walking evaluator: executes statements into a StringBuilder and evaluates expressions. */
final class Interpreter {
    /** break/continue unwind to the enclosing loop; no stack trace needed. */
    private static final class LoopSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LoopSignal() {
            super(null, null, false, false);
        }
    }

    private static final LoopSignal BREAK = new LoopSignal();
    private static final LoopSignal CONTINUE = new LoopSignal();
    private static final String BLOCK_INPUT = " block";

    String render(List<Node> body, Map<String, Object> context) {
        Scope globals = new Scope(null);
        globals.setAll(Globals.create());
        Scope root = new Scope(globals);
        root.setAll(context);
        StringBuilder out = new StringBuilder();
        try {
            exec(body, root, out);
        } catch (StackOverflowError e) {
            throw new TemplateException("maximum recursion depth exceeded while rendering the template");
        }
        return out.toString();
    }

    // ---- statements ------------------------------------------------------------------------

    void exec(List<Node> nodes, Scope s, StringBuilder out) {
        for (Node n : nodes) {
            try {
                exec(n, s, out);
            } catch (TemplateException e) {
                throw e.at(n.line(), 0);
            }
        }
    }

    private void exec(Node node, Scope s, StringBuilder out) {
        switch (node) {
            case Node.Text t -> out.append(t.text());
            case Node.Output o -> out.append(PyRepr.str(eval(o.expr(), s)));
            case Node.If i -> {
                for (int k = 0; k < i.tests().size(); k++) {
                    if (PyOps.truthy(eval(i.tests().get(k), s))) {
                        exec(i.bodies().get(k), s, out);
                        return;
                    }
                }
                exec(i.orElse(), s, out);
            }
            case Node.For f -> execFor(f, s, out, eval(f.iter(), s), 0);
            case Node.Set set -> assign(set.target(), eval(set.value(), s), s);
            case Node.SetBlock sb -> {
                StringBuilder buf = new StringBuilder();
                exec(sb.body(), s, buf);
                Object value = buf.toString();
                if (sb.filter() != null) value = applyBlockFilter(sb.filter(), value, s);
                assign(sb.target(), value, s);
            }
            case Node.Macro m -> s.set(m.def().name(), new Macro(m.def(), s, this));
            case Node.CallBlock cb -> {
                Macro caller = new Macro(cb.caller(), s, this);
                out.append(PyRepr.str(evalCall(cb.call(), s, caller)));
            }
            case Node.FilterBlock fb -> {
                StringBuilder buf = new StringBuilder();
                exec(fb.body(), s, buf);
                out.append(PyRepr.str(applyBlockFilter(fb.filter(), buf.toString(), s)));
            }
            case Node.With w -> {
                Scope inner = new Scope(s);
                for (int k = 0; k < w.targets().size(); k++) assign(w.targets().get(k), eval(w.values().get(k), s), inner);
                exec(w.body(), inner, out);
            }
            case Node.Do d -> eval(d.expr(), s);
            case Node.Break b -> throw BREAK;
            case Node.Continue c -> throw CONTINUE;
        }
    }

    private void execFor(Node.For f, Scope s, StringBuilder out, Object iterable, int depth) {
        if (iterable == null) throw new TemplateException("'NoneType' object is not iterable");
        List<Object> items = PyOps.iterate(iterable);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope probe = new Scope(s);
                assign(f.target(), item, probe);
                if (PyOps.truthy(eval(f.filter(), probe))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(f.orElse(), new Scope(s), out);
            return;
        }
        PyCallable recurse = null;
        if (f.recursive()) {
            recurse = (args, kw) -> {
                if (args.size() != 1) throw new TemplateException("loop() takes exactly one argument");
                StringBuilder buf = new StringBuilder();
                execFor(f, s, buf, args.get(0), depth + 1);
                return buf.toString();
            };
        }
        Object[] changed = new Object[1];
        for (int i = 0; i < items.size(); i++) {
            Scope iteration = new Scope(s);
            assign(f.target(), items.get(i), iteration);
            iteration.set("loop", new LoopContext(items, i, depth, recurse, changed));
            try {
                exec(f.body(), iteration, out);
            } catch (LoopSignal signal) {
                if (signal == BREAK) break;
            }
        }
    }

    private void assign(Target target, Object value, Scope s) {
        switch (target) {
            case Target.Name n -> s.set(n.name(), value);
            case Target.Tuple t -> {
                List<Object> items = PyOps.iterate(value);
                int want = t.items().size();
                if (items.size() > want) throw new TemplateException("too many values to unpack (expected " + want + ")");
                if (items.size() < want) {
                    throw new TemplateException("not enough values to unpack (expected " + want + ", got " + items.size() + ")");
                }
                for (int k = 0; k < want; k++) assign(t.items().get(k), items.get(k), s);
            }
            case Target.NsAttr ns -> {
                Object obj = s.lookup(ns.namespace());
                if (!(obj instanceof Namespace namespace)) {
                    throw new TemplateException("cannot assign attribute on non-namespace object");
                }
                namespace.attrs.put(ns.attr(), value);
            }
        }
    }

    /** Applies the filter chain of a filter/set block; the chain's innermost input is the body. */
    private Object applyBlockFilter(Expr filter, Object body, Scope s) {
        Scope inner = new Scope(s);
        inner.set(BLOCK_INPUT, body);
        return eval(withBlockInput(filter), inner);
    }

    private static Expr withBlockInput(Expr e) {
        if (e instanceof Expr.Filter f) {
            Expr input = f.input() == null ? new Expr.Name(BLOCK_INPUT, f.line()) : withBlockInput(f.input());
            return new Expr.Filter(input, f.name(), f.args(), f.line());
        }
        return e;
    }

    // ---- expressions -----------------------------------------------------------------------

    Object eval(Expr e, Scope s) {
        return switch (e) {
            case Expr.Const c -> c.value();
            case Expr.Name n -> {
                Object v = s.lookup(n.name());
                yield v == Scope.MISSING ? Undefined.name(n.name()) : v;
            }
            case Expr.ListLit l -> {
                List<Object> out = new ArrayList<>(l.items().size());
                for (Expr item : l.items()) out.add(eval(item, s));
                yield out;
            }
            case Expr.TupleLit t -> {
                Object[] out = new Object[t.items().size()];
                for (int k = 0; k < out.length; k++) out[k] = eval(t.items().get(k), s);
                yield new PyTuple(out);
            }
            case Expr.DictLit d -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int k = 0; k < d.keys().size(); k++) {
                    Object key = eval(d.keys().get(k), s);
                    if (key instanceof List<?> && !(key instanceof PyTuple) || key instanceof Map<?, ?>) {
                        throw new TemplateException("unhashable type: '" + PyOps.typeName(key) + "'");
                    }
                    out.put(key, eval(d.values().get(k), s));
                }
                yield out;
            }
            case Expr.GetAttr g -> PyAccess.getAttr(eval(g.target(), s), g.name());
            case Expr.GetItem g -> {
                Object target = eval(g.target(), s);
                if (g.key() instanceof Expr.Slice sl) {
                    yield PyAccess.slice(target, evalOpt(sl.start(), s), evalOpt(sl.stop(), s), evalOpt(sl.step(), s));
                }
                yield PyAccess.getItem(target, eval(g.key(), s));
            }
            case Expr.Slice sl -> throw new TemplateException("slice outside of a subscript");
            case Expr.Call c -> evalCall(c, s, null);
            case Expr.Filter f -> {
                if (f.input() == null) throw new TemplateException("filter without input");
                Object input = eval(f.input(), s);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArgs(f.args(), s, args, kwargs);
                yield Filters.apply(this, f.name(), input, args, kwargs);
            }
            case Expr.Test t -> {
                Object input = eval(t.input(), s);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArgs(t.args(), s, args, kwargs);
                yield JinjaTests.apply(this, t.name(), input, args, kwargs);
            }
            case Expr.Not n -> !PyOps.truthy(eval(n.operand(), s));
            case Expr.Unary u -> u.op().equals("-") ? PyOps.negate(eval(u.operand(), s)) : PyOps.plus(eval(u.operand(), s));
            case Expr.Binary b -> PyOps.binary(b.op(), eval(b.left(), s), eval(b.right(), s));
            case Expr.And a -> {
                Object left = eval(a.left(), s);
                yield PyOps.truthy(left) ? eval(a.right(), s) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), s);
                yield PyOps.truthy(left) ? left : eval(o.right(), s);
            }
            case Expr.Compare c -> {
                Object left = eval(c.first(), s);
                boolean result = true;
                for (int k = 0; k < c.ops().size() && result; k++) {
                    Object right = eval(c.rest().get(k), s);
                    result = PyOps.compareOp(c.ops().get(k), left, right);
                    left = right;
                }
                yield result;
            }
            case Expr.Concat c -> {
                StringBuilder sb = new StringBuilder();
                for (Expr part : c.parts()) sb.append(PyRepr.str(eval(part, s)));
                yield sb.toString();
            }
            case Expr.Cond c -> {
                if (PyOps.truthy(eval(c.test(), s))) yield eval(c.then(), s);
                if (c.otherwise() != null) yield eval(c.otherwise(), s);
                yield new Undefined("the inline if-expression on line " + c.line()
                        + " evaluated to false and no else section was defined.");
            }
        };
    }

    private Object evalOpt(Expr e, Scope s) {
        if (e == null) return null;
        return eval(e, s);
    }

    private void evalArgs(Expr.CallArgs a, Scope s, List<Object> args, Map<String, Object> kwargs) {
        for (Expr arg : a.args()) args.add(eval(arg, s));
        if (a.starArgs() != null) args.addAll(PyOps.iterate(eval(a.starArgs(), s)));
        for (int k = 0; k < a.kwNames().size(); k++) kwargs.put(a.kwNames().get(k), eval(a.kwValues().get(k), s));
        if (a.starKwargs() != null) {
            Object m = eval(a.starKwargs(), s);
            if (!(m instanceof Map<?, ?> map)) throw new TemplateException("argument after ** must be a mapping, not " + PyOps.typeName(m));
            for (Map.Entry<?, ?> en : map.entrySet()) {
                if (!(en.getKey() instanceof String key)) throw new TemplateException("keywords must be strings");
                kwargs.put(key, en.getValue());
            }
        }
    }

    private Object evalCall(Expr.Call c, Scope s, Macro caller) {
        Object fn = eval(c.fn(), s);
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        evalArgs(c.args(), s, args, kwargs);
        if (caller != null) kwargs.put("caller", caller);
        return call(fn, args, kwargs);
    }

    static Object call(Object fn, List<Object> args, Map<String, Object> kwargs) {
        if (fn instanceof PyCallable callable) return callable.call(args, kwargs);
        if (fn instanceof Undefined u) throw u.fail();
        throw new TemplateException("'" + PyOps.typeName(fn) + "' object is not callable");
    }
}
