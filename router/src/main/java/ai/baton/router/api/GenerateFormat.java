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
 *
 * <p>With return_logprob, meta_info has SGLang's logprob lists, each entry {@code [logprob, token id, text]} (text null
 * unless return_text_in_logprobs): output_token_logprobs and output_top_logprobs for the generated tokens, and
 * input_token_logprobs and input_top_logprobs for the prompt from position logprob_start_len on (empty lists for -1).
 * As in SGLang, the first input entry (the one at logprob_start_len) has a null logprob and null alternatives whatever
 * the start; the others are the nodes' prompt logprobs (which begin at position 1). Streamed, the prompt's logprobs
 * come before the first token and every chunk carries them.
 */
final class GenerateFormat implements ResponseFormat {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ApiRequest req;
    private final ServedModel model;
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> ids = new ArrayList<>();
    private final List<TokenLogprob> lps = new ArrayList<>();
    private List<TokenLogprob> promptLps;   // streaming: the prompt's logprobs once the nodes sent them

    GenerateFormat(ApiRequest req, ServedModel model) {
        this.req = req;
        this.model = model;
    }

    private ObjectNode body(String t, List<Integer> outIds, List<TokenLogprob> outLps, List<TokenLogprob> inLps, String finish,
                            Usage usage) {
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
            ArrayNode inTok = meta.putArray("input_token_logprobs");
            ArrayNode inTop = meta.putArray("input_top_logprobs");
            int start = req.logprobStart();
            if (start >= 0 && inLps != null) {
                int[] prompt = req.gen().prompt();
                entry(inTok, null, prompt[start]);  // SGLang's: nothing is given for the first position it covers
                inTop.addNull();
                // Prompt position p (>= 1) is the nodes' entry p - 1; they send none for a one-token prompt.
                for (int p = start + 1; p < prompt.length && p - 1 < inLps.size(); p++) logprob(inLps.get(p - 1), inTok, inTop);
            }
            ArrayNode out = meta.putArray("output_token_logprobs");
            ArrayNode top = meta.putArray("output_top_logprobs");
            for (TokenLogprob t2 : outLps) logprob(t2, out, top);
        }
        return o;
    }

    /** One token's entry in {@code tokens} and its alternatives' in {@code tops}. */
    private void logprob(TokenLogprob t, ArrayNode tokens, ArrayNode tops) {
        entry(tokens, LogprobText.finite(t.getLogprob()), t.getToken());
        ArrayNode alts = tops.addArray();
        for (int i = 0; i < t.getTopIdsCount(); i++)
            entry(alts, LogprobText.finite(i < t.getTopLogprobsCount() ? t.getTopLogprobs(i) : Float.NEGATIVE_INFINITY), t.getTopIds(i));
    }

    /** {@code [logprob, id, text]}: text only with return_text_in_logprobs, logprob null where there is none. */
    private void entry(ArrayNode into, Double logprob, int id) {
        ArrayNode e = into.addArray();
        if (logprob == null) e.addNull();
        else e.add(logprob);
        e.add(id);
        if (req.logprobText()) e.add(LogprobText.token(model.tokenizer(), id));
        else e.addNull();
    }

    @Override
    public List<ObjectNode> streamStart() { return List.of(); }

    /** Kept for the chunks to come (SGLang's first chunk is the first token's): no chunk of its own. */
    @Override
    public ObjectNode streamPrompt(int index, List<TokenLogprob> promptLogprobs) {
        promptLps = List.copyOf(promptLogprobs);
        return null;
    }

    @Override
    public ObjectNode streamDelta(int index, String t, List<Integer> newIds, List<TokenLogprob> newLps) {
        text.append(t);
        ids.addAll(newIds);
        lps.addAll(newLps);
        return body(text.toString(), ids, lps, promptLps, null, new Usage(req.gen().prompt().length, ids.size(), 0));
    }

    @Override
    public ObjectNode streamFinish(int index, String finishReason, Usage usage) {
        return body(text.toString(), ids, lps, promptLps, finishReason, usage);
    }

    @Override
    public ObjectNode streamUsage(Usage usage) { return null; }

    @Override
    public ObjectNode full(List<Choice> choices, Usage usage) {  // one choice: /generate takes no n
        Choice c = choices.getFirst();
        return body(c.text(), c.tokenIds(), c.logprobs(), c.promptLogprobs(), c.finishReason(), usage);
    }
}
