package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * /v1/completions: "text_completion" objects. With echo, each choice's text starts with its prompt's, and with
 * logprobs too its logprobs start with the prompt's tokens (from the nodes' prompt logprobs; streamed, the prompt's
 * chunk waits for them). vLLM's prompt_logprobs go in each choice's {@code prompt_logprobs}.
 */
final class CompletionFormat implements ResponseFormat {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ApiRequest req;
    private final ServedModel model;
    private final long created;
    private final int[] textOffset;   // per choice: characters streamed so far (logprobs' text_offset)
    private final boolean[] echoed;   // per choice, streaming with echo: its prompt's text has been sent

    CompletionFormat(ApiRequest req, ServedModel model, long created) {
        this.req = req;
        this.model = model;
        this.created = created;
        this.textOffset = new int[req.choices()];
        this.echoed = new boolean[req.choices()];
    }

    private ObjectNode envelope() {
        ObjectNode o = F.objectNode();
        o.put("id", req.gen().id());
        o.put("object", "text_completion");
        o.put("created", created);
        o.put("model", model.name());
        return o;
    }

    private ObjectNode choice(ArrayNode choices, int index, String text, List<TokenLogprob> lps, int offset, String finish) {
        ObjectNode c = choices.addObject();
        c.put("index", index);
        c.put("text", text);
        if (req.logprobs() >= 0 && lps != null) c.set("logprobs", LogprobText.completion(model.tokenizer(), lps, offset));
        else c.putNull("logprobs");
        c.put("finish_reason", finish);
        c.putNull("stop_reason");
        return c;
    }

    private int[] promptIds(int index) { return req.prompts().get(req.promptOf(index)).prompt(); }

    @Override
    public List<ObjectNode> streamStart() {
        if (req.echo() == null || req.echoesLogprobs()) return List.of();  // with logprobs: once they come (streamPrompt)
        List<ObjectNode> out = new ArrayList<>(req.choices());
        for (int i = 0; i < req.choices(); i++) out.add(echoChunk(i, List.of()));
        return out;
    }

    @Override
    public ObjectNode streamPrompt(int index, List<TokenLogprob> promptLogprobs) {
        return req.echoesLogprobs() ? echoChunk(index, promptLogprobs) : null;
    }

    /** Choice {@code index}'s prompt text, with its tokens' logprobs when asked. */
    private ObjectNode echoChunk(int index, List<TokenLogprob> promptLogprobs) {
        echoed[index] = true;
        ObjectNode o = envelope();
        String text = req.echoOf(index);
        ObjectNode c = choice(o.putArray("choices"), index, text, null, 0, null);
        if (req.echoesLogprobs())
            c.set("logprobs", LogprobText.echoed(model.tokenizer(), promptIds(index), promptLogprobs, req.logprobs(), List.of(), 0));
        textOffset[index] += text.length();
        if (req.includeUsage()) o.putNull("usage");
        return o;
    }

    @Override
    public ObjectNode streamDelta(int index, String text, List<Integer> ids, List<TokenLogprob> lps) {
        // The prompt's logprobs should have come first; if a node sent none, the prompt's text still leads.
        if (req.echo() != null && !echoed[index]) {
            echoed[index] = true;
            text = req.echoOf(index) + text;
        }
        ObjectNode o = envelope();
        choice(o.putArray("choices"), index, text, lps, textOffset[index], null);
        textOffset[index] += text.length();
        if (req.includeUsage()) o.putNull("usage");
        return o;
    }

    @Override
    public ObjectNode streamFinish(int index, String finishReason, Usage usage) {
        ObjectNode o = envelope();
        choice(o.putArray("choices"), index, "", req.logprobs() >= 0 ? List.of() : null, textOffset[index], finishReason);
        if (req.includeUsage()) o.putNull("usage");
        return o;
    }

    @Override
    public ObjectNode streamUsage(Usage usage) {
        if (!req.includeUsage()) return null;
        ObjectNode o = envelope();
        o.putArray("choices");
        o.set("usage", usageNode(usage));
        return o;
    }

    @Override
    public ObjectNode full(List<Choice> choices, Usage usage) {
        ObjectNode o = envelope();
        ArrayNode cs = o.putArray("choices");
        for (int i = 0; i < choices.size(); i++) {
            Choice ch = choices.get(i);
            ObjectNode c = choice(cs, i, req.echoOf(i) + ch.text(), ch.logprobs(), 0, ch.finishReason());
            List<TokenLogprob> prompt = ch.promptLogprobs() != null ? ch.promptLogprobs() : List.of();
            if (req.echoesLogprobs())
                c.set("logprobs", LogprobText.echoed(model.tokenizer(), promptIds(i), prompt, req.logprobs(), ch.logprobs(), 0));
            if (req.promptLogprobs() >= 0) c.set("prompt_logprobs", LogprobText.vllmPrompt(model.tokenizer(), promptIds(i), prompt));
        }
        o.set("usage", usageNode(usage));
        return o;
    }

    static ObjectNode usageNode(Usage u) {
        ObjectNode n = F.objectNode();
        n.put("prompt_tokens", u.promptTokens());
        n.put("total_tokens", u.promptTokens() + u.completionTokens());
        n.put("completion_tokens", u.completionTokens());
        n.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        return n;
    }
}
