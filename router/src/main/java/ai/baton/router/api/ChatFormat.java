package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** /v1/chat/completions: "chat.completion" and "chat.completion.chunk" objects. */
final class ChatFormat implements ResponseFormat {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ApiRequest req;
    private final ServedModel model;
    private final long created;

    ChatFormat(ApiRequest req, ServedModel model, long created) {
        this.req = req;
        this.model = model;
        this.created = created;
    }

    private ObjectNode envelope(String object) {
        ObjectNode o = F.objectNode();
        o.put("id", req.gen().id());
        o.put("object", object);
        o.put("created", created);
        o.put("model", model.name());
        return o;
    }

    private ObjectNode chunk(ObjectNode delta, List<TokenLogprob> lps, String finish) {
        ObjectNode o = envelope("chat.completion.chunk");
        ArrayNode choices = o.putArray("choices");
        ObjectNode c = choices.addObject();
        c.put("index", 0);
        c.set("delta", delta);
        if (req.logprobs() >= 0 && lps != null) c.set("logprobs", LogprobText.chat(model.tokenizer(), lps));
        else c.putNull("logprobs");
        c.put("finish_reason", finish);
        if (req.includeUsage()) o.putNull("usage");
        return o;
    }

    @Override
    public List<ObjectNode> streamStart() {
        ObjectNode delta = F.objectNode();
        delta.put("role", "assistant");
        delta.put("content", "");
        return List.of(chunk(delta, null, null));
    }

    @Override
    public ObjectNode streamDelta(String text, List<Integer> ids, List<TokenLogprob> lps) {
        ObjectNode delta = F.objectNode();
        delta.put("content", text);
        return chunk(delta, lps, null);
    }

    @Override
    public ObjectNode streamFinish(String finishReason, Usage usage) {
        return chunk(F.objectNode(), null, finishReason);
    }

    @Override
    public ObjectNode streamUsage(Usage usage) {
        if (!req.includeUsage()) return null;
        ObjectNode o = envelope("chat.completion.chunk");
        o.putArray("choices");
        o.set("usage", CompletionFormat.usageNode(usage));
        return o;
    }

    @Override
    public ObjectNode full(String text, List<Integer> ids, List<TokenLogprob> lps, String finishReason, Usage usage) {
        ObjectNode o = envelope("chat.completion");
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        ObjectNode msg = c.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", text);
        if (req.logprobs() >= 0) c.set("logprobs", LogprobText.chat(model.tokenizer(), lps));
        else c.putNull("logprobs");
        c.put("finish_reason", finishReason);
        c.putNull("stop_reason");
        o.set("usage", CompletionFormat.usageNode(usage));
        return o;
    }
}
