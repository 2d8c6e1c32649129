package ai.baton.experiments.bench;

import ai.baton.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A ShareGPT-format JSON file (a list of {@code {"conversations": [{"from": "human", "value": ...}, {"from": "gpt",
 * "value": ...}, ...]}}), sampled as vLLM and SGLang do: the first turn is the prompt, the second's token count the
 * output length (unless fixed), conversations shuffled by seed, pairs with fewer than 4 prompt or output tokens,
 * a prompt over 1024 tokens or a total over 2048 skipped; too few valid pairs are reused in order.
 * The file is read as a stream (the public ShareGPT dump is ~700 MB) and prompts are tokenized only as needed.
 */
public final class ShareGptDataset {
    static final int MIN_LEN = 4, MAX_PROMPT = 1024, MAX_TOTAL = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShareGptDataset() {}

    /** @param fixedOutputLen output length for every request, or 0 to use the reply's token count */
    public static List<SampleRequest> sample(Path file, int n, Tokenizer tok, int fixedOutputLen, long seed) throws IOException {
        if (tok == null) throw new IllegalArgumentException("the sharegpt dataset needs a tokenizer (--tokenizer DIR)");
        List<String[]> pairs = readPairs(file);
        if (pairs.isEmpty()) throw new IllegalArgumentException(file + ": no conversation with two turns");
        Collections.shuffle(pairs, new Random(seed));
        List<SampleRequest> out = new ArrayList<>(n);
        for (String[] p : pairs) {
            if (out.size() == n) break;
            int promptLen = tok.encode(p[0]).length;
            int outLen = fixedOutputLen > 0 ? fixedOutputLen : tok.encode(p[1]).length;
            if (!valid(promptLen, outLen, fixedOutputLen > 0)) continue;
            out.add(SampleRequest.text(p[0], promptLen, outLen));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no conversation passes the length filters");
        for (int i = 0; out.size() < n; i++) out.add(out.get(i));
        return out;
    }

    static boolean valid(int promptLen, int outputLen, boolean fixedOutput) {
        if (promptLen < MIN_LEN || (!fixedOutput && outputLen < MIN_LEN)) return false;
        return promptLen <= MAX_PROMPT && promptLen + outputLen <= MAX_TOTAL;
    }

    /** (first turn, second turn) of every conversation with at least two turns. */
    static List<String[]> readPairs(Path file) throws IOException {
        List<String[]> pairs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_ARRAY) throw new IllegalArgumentException(file + ": not a JSON list of conversations");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                JsonNode entry = JSON.readTree(p);
                JsonNode turns = entry.path("conversations");
                if (!turns.isArray() || turns.size() < 2) continue;
                String a = turns.get(0).path("value").asText(null), b = turns.get(1).path("value").asText(null);
                if (a != null && b != null) pairs.add(new String[]{a, b});
            }
        }
        return pairs;
    }
}
