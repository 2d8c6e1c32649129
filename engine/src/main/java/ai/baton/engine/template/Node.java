package ai.baton.engine.template;

import java.util.List;

/** Statement nodes of the template AST. */
sealed interface Node {
    int line();

    record Text(String text, int line) implements Node {}

    /** {{ expr }}. */
    record Output(Expr expr, int line) implements Node {}

    /** if / elif... / else: tests.get(i) guards bodies.get(i); orElse may be empty. */
    record If(List<Expr> tests, List<List<Node>> bodies, List<Node> orElse, int line) implements Node {}

    record For(Target target, Expr iter, Expr filter, List<Node> body, List<Node> orElse, boolean recursive, int line)
            implements Node {}

    record Set(Target target, Expr value, int line) implements Node {}

    /** {% set x | filters %}body{% endset %}; filter is null or a Filter chain with a null input. */
    record SetBlock(Target target, Expr filter, List<Node> body, int line) implements Node {}

    record Macro(MacroDef def, int line) implements Node {}

    /** {% call(params) macro(args) %}body{% endcall %}: body becomes the macro's caller(). */
    record CallBlock(Expr.Call call, MacroDef caller, int line) implements Node {}

    record FilterBlock(Expr filter, List<Node> body, int line) implements Node {}

    record With(List<Target> targets, List<Expr> values, List<Node> body, int line) implements Node {}

    record Do(Expr expr, int line) implements Node {}

    record Break(int line) implements Node {}

    record Continue(int line) implements Node {}

    /** A macro (or caller) definition: defaults.get(i) is null where a parameter has none. */
    record MacroDef(String name, List<String> params, List<Expr> defaults, List<Node> body,
                    boolean usesVarargs, boolean usesKwargs, boolean usesCaller) {}
}
