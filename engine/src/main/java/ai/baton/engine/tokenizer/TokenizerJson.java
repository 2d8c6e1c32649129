package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The contents of an HF tokenizer.json. The model's vocab and merges (hundreds of thousands of entries)
 * are read by {@link JsonCursor} straight into maps, to keep loading fast; the small sections are
 * parsed by Jackson into trees.
 */
final class TokenizerJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    String modelType;
    Map<String, Integer> vocab;
    /** Token string by id, built along with vocab; null where an id is unused. */
    String[] idToToken;
    /** Merges in rank order, as ids: (left, right) merge into result. */
    IntList mergeLeft = new IntList(1 << 16), mergeRight = new IntList(1 << 16), mergeResult = new IntList(1 << 16);
    /** Merges met before the vocab (not the order HF writes), resolved once the vocab is known. */
    private final List<String[]> pendingMerges = new ArrayList<>();
    private Path file;
    boolean ignoreMerges;
    String unkToken;
    String continuingSubwordPrefix;
    String endOfWordSuffix;
    JsonNode addedTokens;
    JsonNode normalizer;
    JsonNode preTokenizer;
    JsonNode postProcessor;
    JsonNode decoder;

    /** A shallow copy, so tests can swap pipeline sections without parsing the file again. */
    TokenizerJson copy() {
        TokenizerJson t = new TokenizerJson();
        t.modelType = modelType;
        t.vocab = vocab;
        t.idToToken = idToToken;
        t.mergeLeft = mergeLeft;
        t.mergeRight = mergeRight;
        t.mergeResult = mergeResult;
        t.ignoreMerges = ignoreMerges;
        t.unkToken = unkToken;
        t.continuingSubwordPrefix = continuingSubwordPrefix;
        t.endOfWordSuffix = endOfWordSuffix;
        t.addedTokens = addedTokens;
        t.normalizer = normalizer;
        t.preTokenizer = preTokenizer;
        t.postProcessor = postProcessor;
        t.decoder = decoder;
        t.file = file;
        return t;
    }

    static TokenizerJson read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
        TokenizerJson t = new TokenizerJson();
        t.file = file;
        t.parse(new JsonCursor(bytes, file.toString()), bytes, file);
        if (t.modelType != null && !t.modelType.equals("BPE")) {
            throw new TokenizerException("unsupported tokenizer model type '" + t.modelType + "' in " + file + " (Baton supports byte-level BPE)");
        }
        if (t.vocab == null) throw new TokenizerException("invalid " + file + ": no model.vocab");
        for (String[] m : t.pendingMerges) t.addMerge(m[0], m[1]);
        return t;
    }

    private void parse(JsonCursor in, byte[] bytes, Path file) {
        in.expect('{');
        if (in.consume('}')) return;
        do {
            String field = in.readString();
            in.expect(':');
            switch (field) {
                case "model" -> readModel(in);
                case "added_tokens" -> addedTokens = tree(in, bytes, file);
                case "normalizer" -> normalizer = tree(in, bytes, file);
                case "pre_tokenizer" -> preTokenizer = tree(in, bytes, file);
                case "post_processor" -> postProcessor = tree(in, bytes, file);
                case "decoder" -> decoder = tree(in, bytes, file);
                default -> in.skipValue();
            }
        } while (in.more('}'));
    }

    /** The small sections go through Jackson as trees. */
    private static JsonNode tree(JsonCursor in, byte[] bytes, Path file) {
        int start = in.skipValue();
        try {
            return MAPPER.readTree(bytes, start, in.position() - start);
        } catch (IOException e) {
            throw new TokenizerException("invalid " + file + ": " + TokenizerConfig.firstLine(e.getMessage()), e);
        }
    }

    private void readModel(JsonCursor in) {
        in.expect('{');
        if (in.consume('}')) return;
        do {
            String field = in.readString();
            in.expect(':');
            boolean otherModel = modelType != null && !modelType.equals("BPE"); // reported by read() with its type
            switch (field) {
                case "type" -> modelType = in.readString();
                case "vocab" -> { if (otherModel) in.skipValue(); else readVocab(in); }
                case "merges" -> { if (otherModel) in.skipValue(); else readMerges(in); }
                case "ignore_merges" -> ignoreMerges = in.readBooleanOrNull();
                case "unk_token" -> unkToken = in.readStringOrNull();
                case "continuing_subword_prefix" -> continuingSubwordPrefix = in.readStringOrNull();
                case "end_of_word_suffix" -> endOfWordSuffix = in.readStringOrNull();
                default -> in.skipValue();
            }
        } while (in.more('}'));
    }

    private void readVocab(JsonCursor in) {
        if (in.peek() != '{') throw in.error("model.vocab is not an object (Baton supports BPE vocabularies)");
        in.expect('{');
        vocab = new HashMap<>(1 << 18);
        idToToken = new String[1 << 16];
        if (in.consume('}')) return;
        do {
            String token = in.readString();
            in.expect(':');
            int id = in.readInt();
            if (id < 0) throw in.error("negative token id " + id);
            vocab.put(token, id);
            if (id >= idToToken.length) idToToken = java.util.Arrays.copyOf(idToToken, Math.max(id + 1, idToToken.length * 2));
            idToToken[id] = token;
        } while (in.more('}'));
        int maxId = idToToken.length - 1;
        while (maxId >= 0 && idToToken[maxId] == null) maxId--;
        idToToken = java.util.Arrays.copyOf(idToToken, maxId + 1);
    }

    private void addMerge(String left, String right) {
        if (vocab == null) {
            pendingMerges.add(new String[] {left, right});
            return;
        }
        Integer l = vocab.get(left), r = vocab.get(right), m = vocab.get(left + right);
        if (l == null || r == null || m == null) {
            throw new TokenizerException("invalid " + file + ": merge '" + left + " " + right + "' uses a token missing from the vocab");
        }
        mergeLeft.add(l);
        mergeRight.add(r);
        mergeResult.add(m);
    }

    private void readMerges(JsonCursor in) {
        in.expect('[');
        if (in.consume(']')) return;
        do {
            if (in.peek() == '"') { // legacy form "left right"
                String s = in.readString();
                int space = s.indexOf(' ');
                if (space <= 0 || space == s.length() - 1 || s.indexOf(' ', space + 1) >= 0) {
                    throw in.error("merge '" + s + "' is not two tokens separated by a space");
                }
                addMerge(s.substring(0, space), s.substring(space + 1));
            } else { // newer form ["left", "right"]
                in.expect('[');
                String left = in.readString();
                in.expect(',');
                String right = in.readString();
                in.expect(']');
                addMerge(left, right);
            }
        } while (in.more(']'));
    }
}
