package ai.baton.engine.template;

/**
 * Error raised while compiling or rendering a chat template. Messages are one line; syntax and
 * runtime errors carry the template line (and column where known). A template's own
 * {@code raise_exception('msg')} produces exactly {@code msg} as the message.
 */
public class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String detail;
    private final int line;
    private final int column;
    private final boolean raisedByTemplate;

    public TemplateException(String message) {
        this(message, 0, 0, false);
    }

    public TemplateException(String message, int line, int column) {
        this(message, line, column, false);
    }

    private TemplateException(String message, int line, int column, boolean raisedByTemplate) {
        super(format(message, line, column));
        this.detail = message;
        this.line = line;
        this.column = column;
        this.raisedByTemplate = raisedByTemplate;
    }

    /** The exception thrown by the template global {@code raise_exception(msg)}. */
    static TemplateException raisedByTemplate(String message) {
        return new TemplateException(message, 0, 0, true);
    }

    private static String format(String message, int line, int column) {
        String oneLine = message == null ? "" : message.replace('\n', ' ');
        if (line <= 0) return oneLine;
        return oneLine + " (line " + line + (column > 0 ? ", column " + column : "") + ")";
    }

    /** The message without location. */
    public String detail() {
        return detail;
    }

    /** 1-based template line, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column, or 0 when unknown. */
    public int column() {
        return column;
    }

    /** True when the template itself called {@code raise_exception}. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }

    /** Attaches a location if this exception has none yet (the innermost statement wins). */
    TemplateException at(int line, int column) {
        if (this.line > 0 || raisedByTemplate || line <= 0) return this;
        TemplateException e = new TemplateException(detail, line, column, false);
        e.setStackTrace(getStackTrace());
        return e;
    }
}
