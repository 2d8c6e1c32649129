package ai.baton.router;

import ai.baton.router.testing.Http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed requests from valid seeds: random JSON mutations (junk values for known fields, flipped characters,
 * truncation, dropped fields, extra nesting), wrong types, huge numbers, unicode junk, and raw random bytes.
 */
final class Fuzz {
    private static final String[] SEEDS = {
            "{\"prompt\": \"Hello there\", \"max_tokens\": 3, \"temperature\": 0}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 3, \"stream\": true}",
            "{\"text\": \"abc\", \"sampling_params\": {\"max_new_tokens\": 2}}",
            "{\"prompt\": [1, 2, 3], \"max_tokens\": 2, \"logprobs\": 1, \"stop\": [\"x\"]}",
    };
    private static final String[] PATHS = {"/v1/completions", "/v1/chat/completions", "/generate", "/v1/completions"};
    private static final String[] JUNK = {"null", "true", "-1", "0", "1e309", "-1e400", "99999999999999999999999999", "\"\"",
            "\"\\ud800\"", "\"\\u0000\"", "[]", "{}", "[[[[[]]]]]", "\"🦀🦀🦀\"", "3.5", "-0.0", "\"NaN\"", "[1,\"a\"]",
            "{\"a\": {\"b\": []}}", "\"" + "x".repeat(3000) + "\"", "\"\\u202e\\ufffd\\u0301\"", "[-2147483649]"};
    private static final String[] FIELDS = {"prompt", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
            "top_k", "min_p", "seed", "stop", "n", "logprobs", "top_logprobs", "ignore_eos", "stream", "stream_options", "model",
            "text", "input_ids", "sampling_params", "chat_template_kwargs", "best_of", "echo", "stop_token_ids"};

    private Fuzz() {}

    /** Sends {@code count} mutated requests; asserts none gets a 5xx and every error has an OpenAI body. Returns the 200s. */
    static int run(Http http, int count, long seed) {
        return run(http, SEEDS, PATHS, FIELDS, count, seed);
    }

    /** The same over other seed requests ({@code paths[i]} takes {@code seeds[i]}), inserting junk into {@code fields}. */
    static int run(Http http, String[] seeds, String[] paths, String[] fields, int count, long seed) {
        Random rnd = new Random(seed);
        int served = 0;
        for (int i = 0; i < count; i++) {
            int k = rnd.nextInt(seeds.length);
            String body = mutate(seeds[k], fields, rnd);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (rnd.nextInt(20) == 0) {
                bytes = new byte[rnd.nextInt(200)];
                rnd.nextBytes(bytes);
                body = "<random bytes>";
            }
            Http.Reply r = http.postBytes(paths[k], bytes);
            assertTrue(r.status() < 500, "5xx for " + body + " -> " + r.status() + " " + r.body());
            if (r.status() == 200) {
                served++;
            } else {
                String msg = r.json().path("error").path("message").asText();
                // "Invalid request:" is the fallback for exceptions the parser did not anticipate: a bug to fix.
                assertTrue(!msg.isEmpty() && !msg.startsWith("Invalid request:"), body + " -> " + r.body());
            }
        }
        return served;
    }

    private static String mutate(String seed, String[] fields, Random rnd) {
        String s = seed;
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(6)) {
                case 0, 1 -> s = s.replaceFirst("^\\{", "{\"" + fields[rnd.nextInt(fields.length)] + "\": "
                        + JUNK[rnd.nextInt(JUNK.length)].replace("\\", "\\\\").replace("$", "\\$") + ", ");
                case 2 -> {
                    if (s.length() > 2) {
                        char[] cs = s.toCharArray();
                        String pool = "{}[]\",:0\\ab\u00e9\u4e2d";
                        cs[1 + rnd.nextInt(s.length() - 2)] = pool.charAt(rnd.nextInt(pool.length()));
                        s = new String(cs);
                    }
                }
                case 3 -> s = s.substring(0, rnd.nextInt(s.length() + 1));
                case 4 -> {
                    List<String> parts = new ArrayList<>(List.of(s.split(",")));
                    if (parts.size() > 1) parts.remove(rnd.nextInt(parts.size()));
                    s = String.join(",", parts);
                }
                default -> s = "{\"wrap\": " + s + "}";
            }
        }
        return s;
    }
}
