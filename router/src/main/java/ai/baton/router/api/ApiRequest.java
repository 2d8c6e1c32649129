package ai.baton.router.api;

import ai.baton.proto.Sampling;
import ai.baton.router.dispatch.GenRequest;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A validated generation request: what the dispatcher runs plus how to answer.
 *
 * @param prompts      one generation per prompt (a batched /v1/completions request has several); the first one's id
 *                     and arrival time are the response's
 * @param logprobs     top alternatives to return per token, or -1 for no logprobs
 * @param includeUsage streaming only: end with a usage chunk (stream_options.include_usage)
 * @param n            completions to generate per prompt (OpenAI's n)
 * @param toolCalls    chat with tools: look for tool calls in the output ({@link ToolCallParser})
 * @param reasoning    chat: split the model's thinking into reasoning_content ({@link ReasoningSplit})
 * @param echo         completions with echo: each prompt's text, which its choices' text starts with; null without echo
 * @param promptLogprobs vLLM's prompt_logprobs: top alternatives per prompt token in the answer's {@code prompt_logprobs},
 *                     or -1 for none (echo with logprobs takes the prompt's logprobs from the nodes too, see
 *                     {@link #echoesLogprobs})
 * @param forcedTool   chat: a tool_choice that forces a call (the output is guided JSON that becomes tool_calls), or null
 * @param logprobStart /generate with return_logprob: SGLang's logprob_start_len, the first prompt position of the
 *                     answer's input_token_logprobs (the nodes compute the prompt's logprobs, see
 *                     {@link #wantsPromptLogprobs}), or -1 for none
 * @param logprobText  /generate: SGLang's return_text_in_logprobs, each logprob entry carries its token's text
 * @param responses    /v1/responses (a chat request underneath): the request's fields that its response object echoes
 *                     (model settings, metadata); null on the other endpoints
 */
public record ApiRequest(Endpoint endpoint, List<GenRequest> prompts, boolean stream, boolean includeUsage, int logprobs, int n,
                         boolean toolCalls, boolean reasoning, List<String> echo, int promptLogprobs,
                         ForcedToolCall forcedTool, int logprobStart, boolean logprobText, ObjectNode responses) {
    public ApiRequest {
        if (n < 1) throw new IllegalArgumentException("n must be at least 1");
        if (prompts.isEmpty()) throw new IllegalArgumentException("no prompt");
        prompts = List.copyOf(prompts);
        if (echo != null) {
            if (echo.size() != prompts.size()) throw new IllegalArgumentException("one echo text per prompt");
            echo = List.copyOf(echo);
        }
    }

    public ApiRequest(Endpoint endpoint, List<GenRequest> prompts, boolean stream, boolean includeUsage, int logprobs, int n,
                      boolean toolCalls, boolean reasoning) {
        this(endpoint, prompts, stream, includeUsage, logprobs, n, toolCalls, reasoning, null, -1, null, -1, false, null);
    }

    public ApiRequest(Endpoint endpoint, GenRequest gen, boolean stream, boolean includeUsage, int logprobs, int n) {
        this(endpoint, List.of(gen), stream, includeUsage, logprobs, n, false, false);
    }

    /** The first prompt's generation: the response's id and arrival time. */
    public GenRequest gen() { return prompts.getFirst(); }

    /** Choices in the response: n per prompt, choice i = prompt i / n, its (i % n)-th completion (OpenAI's order). */
    public int choices() { return prompts.size() * n; }

    /** The prompt of choice {@code i}. */
    public int promptOf(int i) { return i / n; }

    /** This request with echo: {@code texts} holds each prompt's text. */
    public ApiRequest withEcho(List<String> texts) {
        return new ApiRequest(endpoint, prompts, stream, includeUsage, logprobs, n, toolCalls, reasoning, texts, promptLogprobs, forcedTool, logprobStart, logprobText, responses);
    }

    /** This request answering with vLLM's prompt_logprobs ({@code k} alternatives per prompt token). */
    public ApiRequest withPromptLogprobs(int k) {
        return new ApiRequest(endpoint, prompts, stream, includeUsage, logprobs, n, toolCalls, reasoning, echo, k, forcedTool, logprobStart, logprobText, responses);
    }

    /** This request with other generations (the same prompts, their sampling changed). */
    public ApiRequest withPrompts(List<GenRequest> gens) {
        return new ApiRequest(endpoint, gens, stream, includeUsage, logprobs, n, toolCalls, reasoning, echo, promptLogprobs, forcedTool, logprobStart, logprobText, responses);
    }

    /** This chat request answering a forcing tool_choice with tool calls. */
    public ApiRequest withForcedTool(ForcedToolCall f) {
        return new ApiRequest(endpoint, prompts, stream, includeUsage, logprobs, n, toolCalls, reasoning, echo, promptLogprobs, f, logprobStart, logprobText, responses);
    }

    /**
     * This /generate request with SGLang's prompt logprobs: input_token_logprobs from prompt position {@code start}
     * (-1: none), and tokens' text in the logprob entries when {@code text}.
     */
    public ApiRequest withSglangLogprobs(int start, boolean text) {
        return new ApiRequest(endpoint, prompts, stream, includeUsage, logprobs, n, toolCalls, reasoning, echo, promptLogprobs, forcedTool, start, text, responses);
    }

    /** This chat request answered as OpenAI's Responses API, its response echoing {@code echoed}. */
    public ApiRequest asResponses(ObjectNode echoed) {
        return new ApiRequest(Endpoint.RESPONSES, prompts, stream, includeUsage, logprobs, n, toolCalls, reasoning, echo, promptLogprobs, forcedTool, logprobStart, logprobText, echoed);
    }

    /** Completions with echo and logprobs: each choice's logprobs start with its prompt's tokens (OpenAI's echo). */
    public boolean echoesLogprobs() { return echo != null && logprobs >= 0; }

    /**
     * Whether the nodes must return the prompt's logprobs: for prompt_logprobs, for echo with logprobs, or for
     * /generate's logprob_start_len.
     */
    public boolean wantsPromptLogprobs() { return promptLogprobs >= 0 || echoesLogprobs() || logprobStart >= 0; }

    /** The text that choice {@code i} starts with: its prompt's with echo, else "". */
    public String echoOf(int i) { return echo == null ? "" : echo.get(promptOf(i)); }

    /**
     * The generation of choice {@code i}. With more than one choice each has its own id (the nodes key KV
     * reservations by it) and, when the request is seeded, the seed + i % n: reproducible, yet a prompt's choices
     * differ. A prompt's first choice is that prompt alone, so n = 1 and a prompt's choice 0 of n > 1 give the same
     * text.
     */
    public GenRequest choice(int i) {
        if (i < 0 || i >= choices()) throw new IndexOutOfBoundsException("choice " + i + " of " + choices());
        GenRequest g = prompts.get(promptOf(i));
        if (choices() == 1) return g;
        Sampling s = g.sampling();
        int k = i % n;
        if (s.hasSeed() && k > 0) s = s.toBuilder().setSeed(s.getSeed() + k).build();
        return new GenRequest(gen().id() + "-" + i, g.prompt(), s, g.arrivalNanos());
    }
}
