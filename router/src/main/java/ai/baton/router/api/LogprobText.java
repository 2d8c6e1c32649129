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
        ObjectNode o = F.objectNode();
        ArrayNode tokens = o.putArray("tokens"), lp = o.putArray("token_logprobs"), top = o.putArray("top_logprobs"),
                off = o.putArray("text_offset");
        int at = offset;
        for (TokenLogprob t : lps) {
            String s = token(tok, t.getToken());
            tokens.add(s);
            lp.add(finite(t.getLogprob()));
            ObjectNode alts = F.objectNode();
            for (int i = 0; i < t.getTopIdsCount(); i++)
                alts.put(token(tok, t.getTopIds(i)), finite(i < t.getTopLogprobsCount() ? t.getTopLogprobs(i) : Float.NEGATIVE_INFINITY));
            top.add(alts);
            off.add(at);
            at += s.length();
        }
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
