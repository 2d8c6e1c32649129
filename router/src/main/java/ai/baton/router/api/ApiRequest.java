package ai.baton.router.api;

import ai.baton.router.dispatch.GenRequest;

/**
 * A validated generation request: what the dispatcher runs plus how to answer.
 *
 * @param logprobs     top alternatives to return per token, or -1 for no logprobs
 * @param includeUsage streaming only: end with a usage chunk (stream_options.include_usage)
 */
public record ApiRequest(Endpoint endpoint, GenRequest gen, boolean stream, boolean includeUsage, int logprobs) {}
