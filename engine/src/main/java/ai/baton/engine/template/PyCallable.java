package ai.baton.engine.template;

import java.util.List;
import java.util.Map;

/** Anything a template can call: globals, bound str/dict/list methods, macros, loop.cycle. */
@FunctionalInterface
interface PyCallable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
