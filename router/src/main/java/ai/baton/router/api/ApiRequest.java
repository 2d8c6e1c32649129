package ai.baton.router.api;

import ai.baton.proto.Sampling;
import ai.baton.router.dispatch.GenRequest;

/**
 * A validated generation request: what the dispatcher runs plus how to answer.
 *
 * @param logprobs     top alternatives to return per token, or -1 for no logprobs
 * @param includeUsage streaming only: end with a usage chunk (stream_options.include_usage)
 * @param n            completions to generate for the prompt (OpenAI's n), each run as its own request
 */
public record ApiRequest(Endpoint endpoint, GenRequest gen, boolean stream, boolean includeUsage, int logprobs, int n) {
    public ApiRequest {
        if (n < 1) throw new IllegalArgumentException("n must be at least 1");
    }

    /**
     * The generation of choice {@code i}. With n > 1 each choice has its own id (the nodes key KV reservations by it)
     * and, when the request is seeded, the seed + i: reproducible, yet the choices differ. Choice 0 is the request
     * itself, so n = 1 and choice 0 of n > 1 give the same text.
     */
    public GenRequest choice(int i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("choice " + i + " of " + n);
        if (n == 1) return gen;
        Sampling s = gen.sampling();
        if (s.hasSeed()) s = s.toBuilder().setSeed(s.getSeed() + i).build();
        return new GenRequest(gen.id() + "-" + i, gen.prompt(), s, gen.arrivalNanos());
    }
}
