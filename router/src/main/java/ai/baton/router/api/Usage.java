package ai.baton.router.api;

/** Token counts of a finished request. */
public record Usage(int promptTokens, int completionTokens, int cachedTokens) {}
