package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * SGLang's /generate: {text, output_ids, meta_info}. Streamed chunks carry the text so far (SGLang's default), so a
 * client can print the last one. Always one choice (the parser refuses n other than 1 here).
 */
final class GenerateFormat implements ResponseFormat {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ApiRequest req;
    private final ServedModel model;
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> ids = new ArrayList<>();
    private final List<TokenLogprob> lps = new ArrayList<>();

    GenerateFormat(ApiRequest req, ServedModel model) {
        this.req = req;
        this.model = model;
    }

    private ObjectNode body(String t, List<Integer> outIds, List<TokenLogprob> outLps, String finish, Usage usage) {
        ObjectNode o = F.objectNode();
        o.put("text", t);
        ArrayNode a = o.putArray("output_ids");
        outIds.forEach(a::add);
        ObjectNode meta = o.putObject("meta_info");
        meta.put("id", req.gen().id());
        if (finish == null) {
            meta.putNull("finish_reason");
        } else {
            ObjectNode fr = meta.putObject("finish_reason");
            fr.put("type", finish);
            if ("length".equals(finish)) fr.put("length", usage.completionTokens());
        }
        meta.put("prompt_tokens", usage.promptTokens());
        meta.put("completion_tokens", usage.completionTokens());
        meta.put("cached_tokens", usage.cachedTokens());
        meta.put("e2e_latency", (System.nanoTime() - req.gen().arrivalNanos()) / 1e9);
        if (req.logprobs() >= 0) {
            ArrayNode out = meta.putArray("output_token_logprobs");
            ArrayNode top = meta.putArray("output_top_logprobs");
            for (TokenLogprob t2 : outLps) {
                ArrayNode e = out.addArray();
                e.add(LogprobText.finite(t2.getLogprob())).add(t2.getToken()).addNull();
                ArrayNode alts = top.addArray();
                for (int i = 0; i < t2.getTopIdsCount(); i++) {
                    alts.addArray().add(LogprobText.finite(i < t2.getTopLogprobsCount() ? t2.getTopLogprobs(i) : Float.NEGATIVE_INFINITY))
                            .add(t2.getTopIds(i)).addNull();
                }
            }
        }
        return o;
    }

    @Override
    public List<ObjectNode> streamStart() { return List.of(); }

    @Override
    public ObjectNode streamDelta(int index, String t, List<Integer> newIds, List<TokenLogprob> newLps) {
        text.append(t);
        ids.addAll(newIds);
        lps.addAll(newLps);
        return body(text.toString(), ids, lps, null, new Usage(req.gen().prompt().length, ids.size(), 0));
    }

    @Override
    public ObjectNode streamFinish(int index, String finishReason, Usage usage) {
        return body(text.toString(), ids, lps, finishReason, usage);
    }

    @Override
    public ObjectNode streamUsage(Usage usage) { return null; }

    @Override
    public ObjectNode full(List<Choice> choices, Usage usage) {  // one choice: /generate takes no n
        Choice c = choices.getFirst();
        return body(c.text(), c.tokenIds(), c.logprobs(), c.finishReason(), usage);
    }
}
