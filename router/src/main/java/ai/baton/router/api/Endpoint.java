package ai.baton.router.api;

/** The generation endpoints; they differ in request fields and response shape (RESPONSES is chat underneath). */
public enum Endpoint {
    COMPLETIONS, CHAT, GENERATE, RESPONSES
}
