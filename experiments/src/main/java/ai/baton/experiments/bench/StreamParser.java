package ai.baton.experiments.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;

/**
 * Turns a finished SSE stream of OpenAI completion or chat chunks into a {@link RequestOutput}. A chunk counts as
 * a token arrival when it carries text (completions' {@code text}, chat's {@code delta.content} or
 * {@code delta.reasoning_content}); role-only, finish-only and usage-only chunks are not timed, so the ITL is the
 * gap a reader sees between pieces of text. An {@code error} object in the stream fails the request.
 */
final class StreamParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamParser() {}

    static RequestOutput parse(List<SseParser.Event> events, long start, long end, int promptLen) {
        double[] times = new double[events.size()];
        int n = 0;
        double firstChoice = -1;
        StringBuilder text = new StringBuilder();
        int promptTokens = -1, completionTokens = -1;
        String finish = null;
        boolean sawDone = false;
        for (SseParser.Event e : events) {
            String d = e.data().trim();
            if (d.equals("[DONE]")) { sawDone = true; continue; }
            JsonNode o;
            try {
                o = JSON.readTree(d);
            } catch (Exception ex) {
                return RequestOutput.failure(start, secs(end - start), promptLen, "unparsable stream chunk: " + abbreviate(d));
            }
            JsonNode err = o.get("error");
            if (err != null && !err.isNull()) {
                String msg = err.isObject() ? err.path("message").asText(err.toString()) : err.asText();
                return RequestOutput.failure(start, secs(end - start), promptLen, msg);
            }
            JsonNode choices = o.path("choices");
            if (choices.isArray() && !choices.isEmpty()) {
                JsonNode c = choices.get(0);
                double t = secs(e.nanos() - start);
                if (firstChoice < 0) firstChoice = t;
                String piece = pieceOf(c);
                if (!piece.isEmpty()) {
                    times[n++] = t;
                    text.append(piece);
                }
                JsonNode fr = c.get("finish_reason");
                if (fr != null && !fr.isNull()) finish = fr.asText();
            }
            JsonNode usage = o.get("usage");
            if (usage != null && usage.isObject()) {
                promptTokens = usage.path("prompt_tokens").asInt(-1);
                completionTokens = usage.path("completion_tokens").asInt(-1);
            }
        }
        if (n == 0 && firstChoice < 0)
            return RequestOutput.failure(start, secs(end - start), promptLen, sawDone ? "the stream carried no choices" : "empty stream");
        if (n == 0) times[n++] = firstChoice;  // tokens without text (e.g. all special): time the first chunk
        double[] chunkTimes = java.util.Arrays.copyOf(times, n);
        double[] itl = new double[n - 1];
        for (int i = 1; i < n; i++) itl[i - 1] = chunkTimes[i] - chunkTimes[i - 1];
        int outTokens = completionTokens >= 0 ? completionTokens : n;
        return new RequestOutput(true, null, start, chunkTimes[0], itl, secs(end - start), promptLen, promptTokens,
                outTokens, chunkTimes, text.toString(), finish);
    }

    private static String pieceOf(JsonNode choice) {
        JsonNode t = choice.get("text");
        if (t != null && t.isTextual()) return t.textValue();
        JsonNode delta = choice.get("delta");
        if (delta != null && delta.isObject()) {
            String s = "";
            JsonNode rc = delta.get("reasoning_content");
            if (rc != null && rc.isTextual()) s += rc.textValue();
            JsonNode c = delta.get("content");
            if (c != null && c.isTextual()) s += c.textValue();
            return s;
        }
        return "";
    }

    static double secs(long nanos) { return nanos / 1e9; }

    static String abbreviate(String s) { return s.length() <= 200 ? s : s.substring(0, 200) + "..."; }
}
