package ai.baton.engine.template;

import ai.baton.engine.template.Token.Kind;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser following Jinja2's grammar and precedence (which differs from
 * Python's in places: ** is left-associative and binds looser than unary minus, filters bind
 * to the unary operand, and tests ({@code is}) bind like filters).
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> toks;
    private int p;
    private int loopDepth;
    /** Per enclosing macro/caller body: does it mention varargs, kwargs, caller? */
    private final Deque<boolean[]> macroUsage = new ArrayDeque<>();

    private Parser(List<Token> toks) {
        this.toks = toks;
    }

    static List<Node> parse(String source) {
        Parser parser = new Parser(Lexer.tokenize(source));
        try {
            return parser.parseBody(List.of(), null);
        } catch (StackOverflowError e) {
            throw new TemplateException("template nests too deeply");
        }
    }

    // ---- token helpers ---------------------------------------------------------------------

    private Token peek() {
        return toks.get(p);
    }

    private Token peek(int k) {
        return toks.get(Math.min(p + k, toks.size() - 1));
    }

    private Token next() {
        Token t = toks.get(p);
        if (t.kind() != Kind.EOF) p++;
        return t;
    }

    private static TemplateException fail(String msg, Token t) {
        return new TemplateException(msg, t.line(), t.col());
    }

    private Token expectOp(String op) {
        Token t = peek();
        if (!t.isOp(op)) throw fail("expected token '" + op + "', got " + t.describe(), t);
        return next();
    }

    private String expectName() {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw fail("expected token 'name', got " + t.describe(), t);
        return next().text();
    }

    private void expectKeyword(String name) {
        Token t = peek();
        if (!t.isName(name)) throw fail("expected token '" + name + "', got " + t.describe(), t);
        next();
    }

    private void expectBlockEnd() {
        Token t = peek();
        if (t.kind() != Kind.BLOCK_END) throw fail("expected token 'end of statement block', got " + t.describe(), t);
        next();
    }

    // ---- statements ------------------------------------------------------------------------

    /**
     * Parses nodes until a block tag whose name is in endTags (left unconsumed: the caller reads
     * "{%" and the name itself via {@link #endTag}) or the end of the template.
     */
    private List<Node> parseBody(List<String> endTags, String opener) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case TEXT -> nodes.add(new Node.Text(next().text(), t.line()));
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(true, List.of(), false);
                    Token end = peek();
                    if (end.kind() != Kind.VAR_END) throw fail("expected token 'end of print statement', got " + end.describe(), end);
                    next();
                    nodes.add(new Node.Output(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek(1);
                    if (name.kind() == Kind.NAME && endTags.contains(name.text())) return nodes;
                    next();
                    nodes.add(parseStatement(name, endTags, opener));
                }
                case EOF -> {
                    if (endTags.isEmpty()) return nodes;
                    throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                            + describeTags(endTags) + ". The innermost block that needs to be closed is '" + opener + "'.", t);
                }
                default -> throw fail("unexpected " + t.describe(), t);
            }
        }
    }

    private static String describeTags(List<String> tags) {
        return String.join(" or ", tags.stream().map(s -> "'" + s + "'").toList());
    }

    /** Consumes "{% name" of an end/middle tag found by parseBody and returns the name. */
    private String endTag() {
        next(); // {%
        return next().text();
    }

    private Node parseStatement(Token nameTok, List<String> endTags, String opener) {
        if (nameTok.kind() != Kind.NAME) throw fail("tag name expected", nameTok);
        next();
        int line = nameTok.line();
        return switch (nameTok.text()) {
            case "for" -> parseFor(line);
            case "if" -> parseIf(line);
            case "set" -> parseSet(line);
            case "macro" -> parseMacro(line);
            case "call" -> parseCallBlock(line);
            case "filter" -> parseFilterBlock(line);
            case "with" -> parseWith(line);
            case "generation" -> {
                // transformers' AssistantTracker tag: renders its body (in its own scope).
                expectBlockEnd();
                List<Node> body = parseBody(List.of("endgeneration"), "generation");
                endTag();
                expectBlockEnd();
                yield new Node.With(List.of(), List.of(), body, line);
            }
            case "do" -> {
                Expr e = parseTuple(true, List.of(), false);
                expectBlockEnd();
                yield new Node.Do(e, line);
            }
            case "break", "continue" -> {
                if (loopDepth == 0) throw fail("'" + nameTok.text() + "' outside of a loop", nameTok);
                expectBlockEnd();
                yield nameTok.text().equals("break") ? new Node.Break(line) : new Node.Continue(line);
            }
            case "include", "import", "from", "extends", "block" ->
                    throw fail("tag '" + nameTok.text() + "' is not supported in chat templates", nameTok);
            default -> {
                String msg = "Encountered unknown tag '" + nameTok.text() + "'.";
                if (opener != null) {
                    msg += " Jinja was looking for the following tags: " + describeTags(endTags)
                            + ". The innermost block that needs to be closed is '" + opener + "'.";
                }
                throw fail(msg, nameTok);
            }
        };
    }

    private Node parseFor(int line) {
        Target target = parseAssignTarget(List.of("in"), false);
        expectKeyword("in");
        Expr iter = parseTuple(false, List.of("recursive"), false);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = parseExpression(true);
        }
        boolean recursive = false;
        if (peek().isName("recursive")) {
            next();
            recursive = true;
        }
        expectBlockEnd();
        loopDepth++;
        List<Node> body = parseBody(List.of("endfor", "else"), "for");
        loopDepth--;
        List<Node> orElse = List.of();
        if (endTag().equals("else")) {
            expectBlockEnd();
            orElse = parseBody(List.of("endfor"), "for");
            endTag();
        }
        expectBlockEnd();
        return new Node.For(target, iter, filter, body, orElse, recursive, line);
    }

    private Node parseIf(int line) {
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> orElse = List.of();
        tests.add(parseTuple(false, List.of(), false));
        expectBlockEnd();
        while (true) {
            bodies.add(parseBody(List.of("elif", "else", "endif"), "if"));
            String tag = endTag();
            if (tag.equals("elif")) {
                tests.add(parseTuple(false, List.of(), false));
                expectBlockEnd();
                continue;
            }
            if (tag.equals("else")) {
                expectBlockEnd();
                orElse = parseBody(List.of("endif"), "if");
                endTag();
            }
            break;
        }
        expectBlockEnd();
        return new Node.If(tests, bodies, orElse, line);
    }

    private Node parseSet(int line) {
        Target target = parseAssignTarget(List.of(), true);
        if (peek().isOp("=")) {
            next();
            Expr value = parseTuple(true, List.of(), false);
            expectBlockEnd();
            return new Node.Set(target, value, line);
        }
        Expr filter = peek().isOp("|") ? parseFilter(null, false) : null;
        expectBlockEnd();
        List<Node> body = parseBody(List.of("endset"), "set");
        endTag();
        expectBlockEnd();
        return new Node.SetBlock(target, filter, body, line);
    }

    private Node parseMacro(int line) {
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        expectBlockEnd();
        List<Node> body = parseMacroBody("endmacro", "macro");
        boolean[] uses = macroUsage.pop();
        return new Node.Macro(new Node.MacroDef(name, params, defaults, body, uses[0], uses[1], uses[2]), line);
    }

    private List<Node> parseMacroBody(String endName, String opener) {
        macroUsage.push(new boolean[3]);
        int savedLoops = loopDepth;
        loopDepth = 0;
        List<Node> body = parseBody(List.of(endName), opener);
        loopDepth = savedLoops;
        endTag();
        expectBlockEnd();
        return body;
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOp("(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (peek().isOp(")")) break;
            Token nameTok = peek();
            params.add(expectName());
            if (peek().isOp("=")) {
                next();
                defaults.add(parseExpression(true));
            } else {
                if (defaults.stream().anyMatch(d -> d != null)) {
                    throw fail("non-default argument follows default argument", nameTok);
                }
                defaults.add(null);
            }
        }
        expectOp(")");
    }

    private Node parseCallBlock(int line) {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (peek().isOp("(")) parseSignature(params, defaults);
        Token at = peek();
        Expr call = parseExpression(true);
        if (!(call instanceof Expr.Call c)) throw fail("expected call", at);
        expectBlockEnd();
        List<Node> body = parseMacroBody("endcall", "call");
        boolean[] uses = macroUsage.pop();
        return new Node.CallBlock(c, new Node.MacroDef("caller", params, defaults, body, uses[0], uses[1], uses[2]), line);
    }

    private Node parseFilterBlock(int line) {
        Expr filter = parseFilter(null, true);
        expectBlockEnd();
        List<Node> body = parseBody(List.of("endfilter"), "filter");
        endTag();
        expectBlockEnd();
        return new Node.FilterBlock(filter, body, line);
    }

    private Node parseWith(int line) {
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (peek().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) expectOp(",");
            targets.add(parseAssignTarget(List.of(), false));
            expectOp("=");
            values.add(parseExpression(true));
        }
        expectBlockEnd();
        List<Node> body = parseBody(List.of("endwith"), "with");
        endTag();
        expectBlockEnd();
        return new Node.With(targets, values, body, line);
    }

    // ---- assignment targets ----------------------------------------------------------------

    private Target parseAssignTarget(List<String> extraEnd, boolean withNamespace) {
        if (withNamespace && peek().kind() == Kind.NAME && peek(1).isOp(".")) {
            String ns = next().text();
            next();
            return new Target.NsAttr(ns, expectName());
        }
        List<Target> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) expectOp(",");
            if (isTupleEnd(extraEnd)) break;
            items.add(parseTargetPrimary());
            if (peek().isOp(",")) isTuple = true;
            else break;
        }
        if (!isTuple) {
            if (items.isEmpty()) throw fail("Expected an expression, got " + peek().describe(), peek());
            return items.get(0);
        }
        return new Target.Tuple(items);
    }

    private Target parseTargetPrimary() {
        Token t = peek();
        if (t.kind() == Kind.NAME) {
            if (Set.of("true", "false", "none", "True", "False", "None").contains(t.text())) {
                throw fail("can't assign to '" + t.text() + "'", t);
            }
            next();
            return new Target.Name(t.text());
        }
        if (t.isOp("(")) {
            next();
            Target inner = parseAssignTarget(List.of(), false);
            expectOp(")");
            return inner;
        }
        throw fail("can't assign to " + t.describe(), t);
    }

    // ---- expressions -----------------------------------------------------------------------

    private boolean isTupleEnd(List<String> extraEnd) {
        Token t = peek();
        return t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.isOp(")")
                || (t.kind() == Kind.NAME && extraEnd.contains(t.text()));
    }

    /** Jinja's parse_tuple: "a, b" builds a tuple, a single expression stays itself. */
    private Expr parseTuple(boolean withCondexpr, List<String> extraEnd, boolean explicitParens) {
        int line = peek().line();
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) expectOp(",");
            if (isTupleEnd(extraEnd)) break;
            args.add(parseExpression(withCondexpr));
            if (peek().isOp(",")) isTuple = true;
            else break;
        }
        if (!isTuple) {
            if (!args.isEmpty()) return args.get(0);
            if (!explicitParens) throw fail("Expected an expression, got " + peek().describe(), peek());
        }
        return new Expr.TupleLit(args, line);
    }

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondexpr() : parseOr();
    }

    private Expr parseCondexpr() {
        Expr e = parseOr();
        while (peek().isName("if")) {
            int line = next().line();
            Expr cond = parseOr();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = parseCondexpr();
            }
            e = new Expr.Cond(cond, e, otherwise, line);
        }
        return e;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Expr.Or(left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Expr.And(left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (peek().isName("not")) {
            int line = next().line();
            return new Expr.Not(parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OP && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                ops.add("not in");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        int line = peek().line();
        List<Expr> parts = new ArrayList<>();
        parts.add(parseMath2());
        while (peek().isOp("~")) {
            next();
            parts.add(parseMath2());
        }
        return parts.size() == 1 ? parts.get(0) : new Expr.Concat(parts, line);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            Token op = next();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = peek();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            node = new Expr.Unary(t.text(), parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) node = parseFilterExpr(node);
        return node;
    }

    private Expr parsePrimary() {
        Token t = peek();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(true, t.line());
                    case "false", "False" -> new Expr.Const(false, t.line());
                    case "none", "None" -> new Expr.Const(null, t.line());
                    default -> {
                        markMacroUsage(t.text());
                        yield new Expr.Name(t.text(), t.line());
                    }
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder();
                while (peek().kind() == Kind.STRING) sb.append((String) next().value());
                return new Expr.Const(sb.toString(), t.line());
            }
            case INT, FLOAT -> {
                next();
                return new Expr.Const(t.value(), t.line());
            }
            case OP -> {
                if (t.isOp("(")) {
                    next();
                    Expr e = parseTuple(true, List.of(), true);
                    expectOp(")");
                    return e;
                }
                if (t.isOp("[")) return parseList();
                if (t.isOp("{")) return parseDict();
                throw fail("unexpected " + t.describe(), t);
            }
            case EOF -> throw fail("unexpected end of template", t);
            default -> throw fail("Expected an expression, got " + t.describe(), t);
        }
    }

    private void markMacroUsage(String name) {
        if (macroUsage.isEmpty()) return;
        boolean[] u = macroUsage.peek();
        switch (name) {
            case "varargs" -> u[0] = true;
            case "kwargs" -> u[1] = true;
            case "caller" -> u[2] = true;
            default -> { }
        }
    }

    private Expr parseList() {
        int line = expectOp("[").line();
        List<Expr> items = new ArrayList<>();
        while (!peek().isOp("]")) {
            if (!items.isEmpty()) expectOp(",");
            if (peek().isOp("]")) break;
            items.add(parseExpression(true));
        }
        expectOp("]");
        return new Expr.ListLit(items, line);
    }

    private Expr parseDict() {
        int line = expectOp("{").line();
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!peek().isOp("}")) {
            if (!keys.isEmpty()) expectOp(",");
            if (peek().isOp("}")) break;
            keys.add(parseExpression(true));
            expectOp(":");
            values.add(parseExpression(true));
        }
        expectOp("}");
        return new Expr.DictLit(keys, values, line);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp(".") || t.isOp("[")) node = parseSubscript(node);
            else if (t.isOp("(")) node = new Expr.Call(node, parseCallArgs(), t.line());
            else return node;
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) node = parseFilter(node, false);
            else if (t.isName("is")) node = parseTest(node);
            else if (t.isOp("(")) node = new Expr.Call(node, parseCallArgs(), t.line());
            else return node;
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOp(".")) {
            Token a = next();
            if (a.kind() == Kind.NAME) return new Expr.GetAttr(node, a.text(), t.line());
            if (a.kind() == Kind.INT) return new Expr.GetItem(node, new Expr.Const(a.value(), a.line()), t.line());
            throw fail("expected name or number", a);
        }
        List<Expr> args = new ArrayList<>();
        while (!peek().isOp("]")) {
            if (!args.isEmpty()) expectOp(",");
            args.add(parseSubscribed());
        }
        expectOp("]");
        if (args.isEmpty()) throw fail("expected subscript expression", t);
        Expr key = args.size() == 1 ? args.get(0) : new Expr.TupleLit(args, t.line());
        return new Expr.GetItem(node, key, t.line());
    }

    private Expr parseSubscribed() {
        int line = peek().line();
        Expr start = null;
        if (peek().isOp(":")) {
            next();
        } else {
            Expr e = parseExpression(true);
            if (!peek().isOp(":")) return e;
            next();
            start = e;
        }
        Expr stop = null;
        if (!peek().isOp(":") && !peek().isOp("]") && !peek().isOp(",")) stop = parseExpression(true);
        Expr step = null;
        if (peek().isOp(":")) {
            next();
            if (!peek().isOp("]") && !peek().isOp(",")) step = parseExpression(true);
        }
        return new Expr.Slice(start, stop, step, line);
    }

    private Expr.CallArgs parseCallArgs() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        Expr starArgs = null;
        Expr starKwargs = null;
        boolean requireComma = false;
        while (!peek().isOp(")")) {
            if (requireComma) {
                expectOp(",");
                if (peek().isOp(")")) break;
            }
            Token t = peek();
            if (t.isOp("*")) {
                next();
                starArgs = parseExpression(true);
            } else if (t.isOp("**")) {
                next();
                starKwargs = parseExpression(true);
            } else if (t.kind() == Kind.NAME && peek(1).isOp("=")) {
                next();
                next();
                kwNames.add(t.text());
                kwValues.add(parseExpression(true));
            } else {
                if (!kwNames.isEmpty() || starArgs != null || starKwargs != null) {
                    throw fail("invalid syntax for function call expression", t);
                }
                args.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOp(")");
        if (args.isEmpty() && kwNames.isEmpty() && starArgs == null && starKwargs == null) return Expr.CallArgs.NONE;
        return new Expr.CallArgs(args, kwNames, kwValues, starArgs, starKwargs);
    }

    private String dottedName() {
        StringBuilder name = new StringBuilder(expectName());
        while (peek().isOp(".")) {
            next();
            name.append('.').append(expectName());
        }
        return name.toString();
    }

    /** One or more "| name(args)"; with inline=true the first filter has no leading pipe. */
    private Expr parseFilter(Expr node, boolean inline) {
        while (peek().isOp("|") || inline) {
            int line = peek().line();
            if (!inline) next();
            String name = dottedName();
            Expr.CallArgs args = peek().isOp("(") ? parseCallArgs() : Expr.CallArgs.NONE;
            node = new Expr.Filter(node, name, args, line);
            inline = false;
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        Token is = next();
        boolean negated = false;
        if (peek().isName("not")) {
            next();
            negated = true;
        }
        String name = dottedName();
        Expr.CallArgs args = Expr.CallArgs.NONE;
        Token t = peek();
        if (t.isOp("(")) {
            args = parseCallArgs();
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INT || t.kind() == Kind.FLOAT
                || t.isOp("[") || t.isOp("{")) && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) throw fail("You cannot chain multiple tests with is", t);
            Expr arg = parsePostfix(parsePrimary());
            args = new Expr.CallArgs(List.of(arg), List.of(), List.of(), null, null);
        }
        Expr test = new Expr.Test(node, name, args, is.line());
        return negated ? new Expr.Not(test, is.line()) : test;
    }
}
