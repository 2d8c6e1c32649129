package ai.baton.router.api;

/** The three generation endpoints; they differ in request fields and response shape. */
public enum Endpoint {
    COMPLETIONS, CHAT, GENERATE
}
