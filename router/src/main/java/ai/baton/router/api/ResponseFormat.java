package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * How one endpoint shapes its answers: streamed chunks (SSE data payloads) and the one-shot body. Choices are
 * numbered 0..n-1 (OpenAI's "index"); streamed chunks of different choices may interleave.
 */
public interface ResponseFormat {
    /**
     * One choice's whole output, for the one-shot body; {@code promptLogprobs} (prompt tokens 1 .. n-1) when the request
     * asked for them, else null.
     */
    record Choice(String text, List<Integer> tokenIds, List<TokenLogprob> logprobs, String finishReason,
                  List<TokenLogprob> promptLogprobs) {}

    /** Chunks to send before the first token (chat sends the assistant role of every choice); may be empty. */
    List<ObjectNode> streamStart();

    /** The chunk for choice {@code index}'s prompt logprobs, which come before its first token; null: none to send. */
    default ObjectNode streamPrompt(int index, List<TokenLogprob> promptLogprobs) { return null; }

    /** The chunk for new output of choice {@code index}, or null when there is nothing to send yet. */
    ObjectNode streamDelta(int index, String text, List<Integer> tokenIds, List<TokenLogprob> logprobs);

    /** The chunk that ends choice {@code index}; {@code usage} is that choice's own. */
    ObjectNode streamFinish(int index, String finishReason, Usage usage);

    /**
     * Every chunk that ends choice {@code index}, in order (one, {@link #streamFinish}, unless the format sends
     * several events there, as the Responses API does).
     */
    default List<ObjectNode> streamEnd(int index, String finishReason, Usage usage) {
        return List.of(streamFinish(index, finishReason, usage));
    }

    /** The SSE event name to write before a chunk's data line; null (the default): data lines only. */
    default String sseEvent(ObjectNode chunk) { return null; }

    /** Whether the stream ends with {@code data: [DONE]} (OpenAI's chat and completions; not its Responses API). */
    default boolean sseDone() { return true; }

    /** The in-band chunk for an error after the stream has started. */
    default ObjectNode streamError(ApiException error) { return error.body(); }

    /** The trailing usage chunk (all choices) when stream_options.include_usage asked for it, else null. */
    ObjectNode streamUsage(Usage usage);

    /** The one-shot body: the choices in index order, and the usage of all of them. */
    ObjectNode full(List<Choice> choices, Usage usage);

    static ResponseFormat of(ApiRequest r, ServedModel model, long created) {
        return switch (r.endpoint()) {
            case COMPLETIONS -> new CompletionFormat(r, model, created);
            case CHAT -> new ChatFormat(r, model, created);
            case GENERATE -> new GenerateFormat(r, model);
            case RESPONSES -> new ResponsesFormat(r, model, created);
        };
    }
}
