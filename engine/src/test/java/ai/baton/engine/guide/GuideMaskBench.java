package ai.baton.engine.guide;

import ai.baton.engine.Fixtures;
import ai.baton.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * Times {@link GuideState#allowedTokens} over the Qwen3 vocabulary (151,936 ids) on one thread, at a few
 * JSON-object states. A main, not a test: run it from the test classpath, e.g.
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
        String[][] states = {
                {"inside a string", "{\"name\":\"Ada Love"},
                {"start of a key", "{\"name\":\"Ada\",\"age\":36,"},
                {"inside a number", "{\"name\":\"Ada\",\"age\":3"},
                {"after the opening brace", "{"},
        };
        long[] mask = new long[vocab.maskWords()];
        for (String[] st : states) {
            GuideState s = object.start();
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
            System.out.printf("%-24s mean %.3f ms  p99 %.3f ms  (%d tokens allowed)%n", st[0], mean, p99, allowed);
        }
    }
}
