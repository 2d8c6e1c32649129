package ai.baton.engine.tokenizer;

import ai.baton.engine.EngineException;

/** A tokenizer file is missing, malformed or uses a feature Baton does not support; the message is one line naming the file. */
public final class TokenizerException extends EngineException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) { super(message); }
    public TokenizerException(String message, Throwable cause) { super(message, cause); }
}
