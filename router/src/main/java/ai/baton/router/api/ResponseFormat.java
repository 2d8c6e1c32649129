package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** How one endpoint shapes its answers: streamed chunks (SSE data payloads) and the one-shot body. */
public interface ResponseFormat {
    /** Chunks to send before the first token (chat sends the assistant role); may be empty. */
    List<ObjectNode> streamStart();

    ObjectNode streamDelta(String text, List<Integer> tokenIds, List<TokenLogprob> logprobs);

    ObjectNode streamFinish(String finishReason, Usage usage);

    /** The trailing usage chunk when stream_options.include_usage asked for it, else null. */
    ObjectNode streamUsage(Usage usage);

    ObjectNode full(String text, List<Integer> tokenIds, List<TokenLogprob> logprobs, String finishReason, Usage usage);

    static ResponseFormat of(ApiRequest r, ServedModel model, long created) {
        return switch (r.endpoint()) {
            case COMPLETIONS -> new CompletionFormat(r, model, created);
            case CHAT -> new ChatFormat(r, model, created);
            case GENERATE -> new GenerateFormat(r, model);
        };
    }
}
