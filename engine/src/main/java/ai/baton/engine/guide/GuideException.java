package ai.baton.engine.guide;

/** A guide that cannot be built from the request: the message is one sentence fit for an HTTP 400 reply. */
public final class GuideException extends RuntimeException {
    public GuideException(String message) {
        super(message, null, false, false); // bad input, not a bug: no stack trace
    }
}
