package ai.baton.engine.template;

import java.util.List;

/** Expression nodes of the template AST; {@code line} is where the expression starts. */
sealed interface Expr {
    int line();

    record Const(Object value, int line) implements Expr {}

    record Name(String name, int line) implements Expr {}

    record ListLit(List<Expr> items, int line) implements Expr {}

    record TupleLit(List<Expr> items, int line) implements Expr {}

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr {}

    record GetAttr(Expr target, String name, int line) implements Expr {}

    record GetItem(Expr target, Expr key, int line) implements Expr {}

    /** Only appears as the key of a GetItem; null parts are omitted slice bounds. */
    record Slice(Expr start, Expr stop, Expr step, int line) implements Expr {}

    record Call(Expr fn, CallArgs args, int line) implements Expr {}

    /** {@code input | name(args)}; input is null for the filter of a filter/set block. */
    record Filter(Expr input, String name, CallArgs args, int line) implements Expr {}

    /** {@code input is name(args)}. */
    record Test(Expr input, String name, CallArgs args, int line) implements Expr {}

    record Not(Expr operand, int line) implements Expr {}

    /** Unary "-" or "+". */
    record Unary(String op, Expr operand, int line) implements Expr {}

    /** Arithmetic: + - * / // % **. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {}

    record And(Expr left, Expr right, int line) implements Expr {}

    record Or(Expr left, Expr right, int line) implements Expr {}

    /** Chained comparison {@code a < b <= c}; ops include "in" and "not in". */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr {}

    /** The ~ operator: str() of every part, joined. */
    record Concat(List<Expr> parts, int line) implements Expr {}

    /** {@code then if test else otherwise}; otherwise may be null (yields Undefined). */
    record Cond(Expr test, Expr then, Expr otherwise, int line) implements Expr {}

    /** Arguments of a call, filter or test. */
    record CallArgs(List<Expr> args, List<String> kwNames, List<Expr> kwValues, Expr starArgs, Expr starKwargs) {
        static final CallArgs NONE = new CallArgs(List.of(), List.of(), List.of(), null, null);
    }
}
