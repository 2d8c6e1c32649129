package ai.baton.engine.template;

/** A lexer token; {@code value} holds the decoded literal for STRING/INT/FLOAT. */
record Token(Kind kind, String text, Object value, int line, int col) {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    boolean isOp(String op) {
        return kind == Kind.OP && text.equals(op);
    }

    boolean isName(String name) {
        return kind == Kind.NAME && text.equals(name);
    }

    /** How Jinja names the token in "expected X, got Y" messages. */
    String describe() {
        return switch (kind) {
            case TEXT -> "template data";
            case VAR_BEGIN -> "begin of print statement";
            case VAR_END -> "end of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case BLOCK_END -> "end of statement block";
            case EOF -> "end of template";
            case STRING -> "string";
            case INT -> "integer";
            case FLOAT -> "float";
            default -> "'" + text + "'";
        };
    }
}
