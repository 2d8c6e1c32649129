package ai.baton.router.api;

import ai.baton.engine.tokenizer.Tokenizer;
import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Renders node logprobs in OpenAI's two shapes (completions' parallel lists, chat's per-token objects). */
final class LogprobText {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private LogprobText() {}

    static String token(Tokenizer tok, int id) {
        return tok.decode(new int[]{id});
    }

    /** Completions: {tokens, token_logprobs, top_logprobs, text_offset}; offsets continue from {@code offset}. */
    static ObjectNode completion(Tokenizer tok, List<TokenLogprob> lps, int offset) {
        return echoed(tok, null, List.of(), Integer.MAX_VALUE, lps, offset);
    }

    /**
     * Completions with echo: the prompt's tokens first (the first with null logprob and alternatives, as OpenAI gives
     * it; the others from the nodes' prompt logprobs, at most {@code top} alternatives each), then the completion's.
     * {@code prompt} null: no prompt part.
     */
    static ObjectNode echoed(Tokenizer tok, int[] prompt, List<TokenLogprob> promptLps, int top, List<TokenLogprob> lps, int offset) {
        ObjectNode o = F.objectNode();
        ArrayNode tokens = o.putArray("tokens"), lp = o.putArray("token_logprobs"), tops = o.putArray("top_logprobs"),
                off = o.putArray("text_offset");
        int at = offset;
        if (prompt != null && prompt.length > 0) {
            String s = token(tok, prompt[0]);
            tokens.add(s);
            lp.addNull();
            tops.addNull();
            off.add(at);
            at += s.length();
        }
        for (TokenLogprob t : promptLps) at = completionEntry(tok, t, top, at, tokens, lp, tops, off);
        for (TokenLogprob t : lps) at = completionEntry(tok, t, Integer.MAX_VALUE, at, tokens, lp, tops, off);
        return o;
    }

    private static int completionEntry(Tokenizer tok, TokenLogprob t, int top, int at, ArrayNode tokens, ArrayNode lp,
                                       ArrayNode tops, ArrayNode off) {
        String s = token(tok, t.getToken());
        tokens.add(s);
        lp.add(finite(t.getLogprob()));
        ObjectNode alts = F.objectNode();
        for (int i = 0; i < Math.min(top, t.getTopIdsCount()); i++)
            alts.put(token(tok, t.getTopIds(i)), finite(i < t.getTopLogprobsCount() ? t.getTopLogprobs(i) : Float.NEGATIVE_INFINITY));
        tops.add(alts);
        off.add(at);
        return at + s.length();
    }

    /**
     * vLLM's prompt_logprobs: one entry per prompt token, null for the first; the others map token ids to {logprob,
     * rank, decoded_token}: the prompt token itself (with its rank in the distribution), then the alternatives (ranks
     * 1, 2, ...).
     */
    static ArrayNode vllmPrompt(Tokenizer tok, int[] prompt, List<TokenLogprob> promptLps) {
        ArrayNode out = F.arrayNode();
        if (prompt.length > 0) out.addNull();
        for (TokenLogprob t : promptLps) {
            ObjectNode e = out.addObject();
            e.set(Integer.toString(t.getToken()), vllmLogprob(tok, t.getToken(), t.getLogprob(), t.getRank()));
            for (int i = 0; i < t.getTopIdsCount(); i++) {
                String id = Integer.toString(t.getTopIds(i));
                if (!e.has(id))
                    e.set(id, vllmLogprob(tok, t.getTopIds(i), i < t.getTopLogprobsCount() ? t.getTopLogprobs(i) : Float.NEGATIVE_INFINITY, i + 1));
            }
        }
        return out;
    }

    private static ObjectNode vllmLogprob(Tokenizer tok, int id, float logprob, int rank) {
        ObjectNode o = F.objectNode();
        o.put("logprob", finite(logprob));
        if (rank > 0) o.put("rank", rank);
        else o.putNull("rank");
        o.put("decoded_token", token(tok, id));
        return o;
    }

    /** Chat: {content: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}. */
    static ObjectNode chat(Tokenizer tok, List<TokenLogprob> lps) {
        ObjectNode o = F.objectNode();
        ArrayNode content = o.putArray("content");
        for (TokenLogprob t : lps) {
            ObjectNode e = entry(tok, t.getToken(), t.getLogprob());
            ArrayNode top = e.putArray("top_logprobs");
            for (int i = 0; i < t.getTopIdsCount(); i++)
                top.add(entry(tok, t.getTopIds(i), i < t.getTopLogprobsCount() ? t.getTopLogprobs(i) : Float.NEGATIVE_INFINITY));
            content.add(e);
        }
        return o;
    }

    private static ObjectNode entry(Tokenizer tok, int id, float logprob) {
        ObjectNode e = F.objectNode();
        String s = token(tok, id);
        e.put("token", s);
        e.put("logprob", finite(logprob));
        ArrayNode bytes = e.putArray("bytes");
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return e;
    }

    /** JSON has no -Infinity: clamp as vLLM does. */
    static double finite(float v) {
        return Float.isFinite(v) ? v : -9999.0;
    }
}
