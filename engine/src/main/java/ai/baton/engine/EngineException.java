package ai.baton.engine;

/** A user-facing engine error: its message is one line that says what is wrong (a file, a tensor, a parameter). */
public class EngineException extends RuntimeException {
    public EngineException(String message) { super(message); }
    public EngineException(String message, Throwable cause) { super(message, cause); }
}
