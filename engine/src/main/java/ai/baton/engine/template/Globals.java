package ai.baton.engine.template;

import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Template globals: Jinja's range/dict/namespace/joiner plus transformers' raise_exception and strftime_now. */
final class Globals {
    private Globals() {}

    /** Jinja's sandbox refuses larger ranges. */
    private static final long MAX_RANGE = 100_000;

    static Map<String, Object> create() {
        Map<String, Object> g = new HashMap<>();
        g.put("range", (PyCallable) Globals::range);
        g.put("dict", (PyCallable) (args, kw) -> {
            Map<Object, Object> out = new LinkedHashMap<>();
            fill(out, "dict", args, kw);
            return out;
        });
        g.put("namespace", (PyCallable) (args, kw) -> {
            Namespace ns = new Namespace();
            Map<Object, Object> init = new LinkedHashMap<>();
            fill(init, "namespace", args, kw);
            for (Map.Entry<Object, Object> e : init.entrySet()) ns.attrs.put(PyRepr.str(e.getKey()), e.getValue());
            return ns;
        });
        g.put("raise_exception", (PyCallable) (args, kw) -> {
            Object[] p = Args.bind("raise_exception", args, kw, "message");
            throw TemplateException.raisedByTemplate(PyRepr.str(Args.required("raise_exception", p[0], "message")));
        });
        g.put("strftime_now", (PyCallable) (args, kw) -> {
            Object[] p = Args.bind("strftime_now", args, kw, "format");
            return Strftime.format(ZonedDateTime.now(), PyRepr.str(Args.required("strftime_now", p[0], "format")));
        });
        g.put("joiner", (PyCallable) (args, kw) -> {
            Object[] p = Args.bind("joiner", args, kw, "sep");
            String sep = PyRepr.str(Args.or(p[0], ", "));
            boolean[] used = new boolean[1];
            return (PyCallable) (a, k) -> {
                if (used[0]) return sep;
                used[0] = true;
                return "";
            };
        });
        return g;
    }

    private static Object range(List<Object> args, Map<String, Object> kw) {
        if (!kw.isEmpty()) throw new TemplateException("range() takes no keyword arguments");
        long start = 0, stop, step = 1;
        switch (args.size()) {
            case 1 -> stop = PyOps.toLong(args.get(0));
            case 2 -> {
                start = PyOps.toLong(args.get(0));
                stop = PyOps.toLong(args.get(1));
            }
            case 3 -> {
                start = PyOps.toLong(args.get(0));
                stop = PyOps.toLong(args.get(1));
                step = PyOps.toLong(args.get(2));
            }
            default -> throw new TemplateException("range expected at most 3 arguments, got " + args.size());
        }
        if (step == 0) throw new TemplateException("range() arg 3 must not be zero");
        long count = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                : (start > stop ? (start - stop - step - 1) / -step : 0);
        if (count > MAX_RANGE) {
            throw new TemplateException("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
        }
        return new PyRange(start, stop, step, (int) count);
    }

    /** dict(mapping_or_pairs, **kwargs) semantics. */
    private static void fill(Map<Object, Object> out, String fn, List<Object> args, Map<String, Object> kw) {
        if (args.size() > 1) throw new TemplateException(fn + " expected at most 1 argument, got " + args.size());
        if (args.size() == 1) {
            Object src = args.get(0);
            if (src instanceof Map<?, ?> m) {
                out.putAll(m);
            } else {
                for (Object pair : PyOps.iterate(src)) {
                    List<Object> kv = PyOps.iterate(pair);
                    if (kv.size() != 2) throw new TemplateException("dictionary update sequence element has length " + kv.size() + "; 2 is required");
                    out.put(kv.get(0), kv.get(1));
                }
            }
        }
        out.putAll(kw);
    }
}
