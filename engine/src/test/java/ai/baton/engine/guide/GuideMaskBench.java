package ai.baton.engine.guide;

import ai.baton.engine.Fixtures;
import ai.baton.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * Times {@link GuideState#allowedTokens} over the Qwen3 vocabulary (151,936 ids) on one thread, at a few
 * JSON-object states and at regular-expression states (REGEX guides, schema patterns and formats). A main, not a
 * test: run it from the test classpath, e.g.
 * {@code java -cp engine/target/classes:engine/target/test-classes:<jackson jars> -Dbaton.fixtures=... ai.baton.engine.guide.GuideMaskBench}.
 */
public final class GuideMaskBench {
    private GuideMaskBench() {}

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Tokenizer tokenizer = Tokenizer.load(Fixtures.dir().resolve("tokenizers/qwen3"));
        long t0 = System.nanoTime();
        GuideVocabulary vocab = GuideVocabulary.of(tokenizer, 151_936, Set.of(tokenizer.tokenId("<|im_end|>").orElseThrow()));
        System.out.printf("vocabulary trie built in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        Guide object = Guide.compile(GuideSpec.jsonObject());
        Guide phone = Guide.compile(GuideSpec.regex("\\(\\d{3}\\) \\d{3}-\\d{4}"));
        Guide line = Guide.compile(GuideSpec.regex("[^\\n]{1,200}"));
        Guide answer = Guide.compile(GuideSpec.regex("(yes|no|maybe)"));
        Guide record = Guide.compile(GuideSpec.jsonSchema("""
                {"type":"object","properties":{"id":{"type":"string","pattern":"[A-Z]{2}-\\\\d{4}"},
                 "when":{"type":"string","format":"date-time"},"note":{"type":"string","pattern":"[^<>]*","maxLength":200}},
                 "required":["id","when","note"]}"""));
        Object[][] states = {
                {"inside a string", object, "{\"name\":\"Ada Love"},
                {"start of a key", object, "{\"name\":\"Ada\",\"age\":36,"},
                {"inside a number", object, "{\"name\":\"Ada\",\"age\":3"},
                {"after the opening brace", object, "{"},
                {"regex: phone, start", phone, ""},
                {"regex: phone, digits", phone, "(555) 12"},
                {"regex: line, free text", line, "Hello, wor"},
                {"regex: one of three", answer, ""},
                {"regex: [a-z ]+ (logit-bench)", Guide.compile(GuideSpec.regex("[a-z ]+")), "hello wor"},
                {"pattern: [A-Z]{2}-\\d{4}", record, "{\"id\":\"AB-1"},
                {"format: date-time", record, "{\"id\":\"AB-1234\",\"when\":\"2024-05-01T1"},
                {"pattern: [^<>]*, maxLength", record, "{\"id\":\"AB-1234\",\"when\":\"2024-05-01T12:00:00Z\",\"note\":\"Dear Ada"},
        };
        long[] mask = new long[vocab.maskWords()];
        for (Object[] row : states) {
            String[] st = {(String) row[0], (String) row[2]};
            GuideState s = ((Guide) row[1]).start();
            if (!s.acceptBytes(st[1].getBytes(StandardCharsets.UTF_8))) throw new IllegalStateException(st[1]);
            for (int i = 0; i < iterations; i++) s.allowedTokens(vocab, mask); // warm up
            long[] times = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                long start = System.nanoTime();
                s.allowedTokens(vocab, mask);
                times[i] = System.nanoTime() - start;
            }
            Arrays.sort(times);
            double mean = Arrays.stream(times).average().orElse(0) / 1e6;
            double p99 = times[(int) (iterations * 0.99) - 1] / 1e6;
            int allowed = 0;
            for (long w : mask) allowed += Long.bitCount(w);
            System.out.printf("%-32s mean %.3f ms  p99 %.3f ms  (%d tokens allowed)%n", st[0], mean, p99, allowed);
        }
    }
}
