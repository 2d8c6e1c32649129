package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The contents of an HF tokenizer.json. The model's vocab and merges (hundreds of thousands of entries)
 * are read with Jackson's streaming parser, straight into maps, to keep loading fast; the small
 * sections are kept as JSON trees.
 */
final class TokenizerJson {
    /**
     * Vocab tokens arrive as JSON field names; Jackson's default canonicalization would intern each of
     * the ~150k distinct names, which costs more than the parse itself.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build());

    String modelType;
    Map<String, Integer> vocab;
    /** Merges as [left, right] string pairs, in rank order. */
    List<String[]> merges = new ArrayList<>();
    boolean ignoreMerges;
    String unkToken;
    String continuingSubwordPrefix;
    String endOfWordSuffix;
    JsonNode addedTokens;
    JsonNode normalizer;
    JsonNode preTokenizer;
    JsonNode postProcessor;
    JsonNode decoder;

    static TokenizerJson read(Path file) {
        TokenizerJson t = new TokenizerJson();
        try (JsonParser p = MAPPER.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new TokenizerException("invalid " + file + ": not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model" -> t.readModel(p, file);
                    case "added_tokens" -> t.addedTokens = p.readValueAsTree();
                    case "normalizer" -> t.normalizer = p.readValueAsTree();
                    case "pre_tokenizer" -> t.preTokenizer = p.readValueAsTree();
                    case "post_processor" -> t.postProcessor = p.readValueAsTree();
                    case "decoder" -> t.decoder = p.readValueAsTree();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new TokenizerException("invalid " + file + ": " + TokenizerConfig.firstLine(e.getMessage()), e);
        }
        if (t.modelType != null && !t.modelType.equals("BPE")) {
            throw new TokenizerException("unsupported tokenizer model type '" + t.modelType + "' in " + file + " (Baton supports byte-level BPE)");
        }
        if (t.vocab == null) throw new TokenizerException("invalid " + file + ": no model.vocab");
        return t;
    }

    private void readModel(JsonParser p, Path file) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new TokenizerException("invalid " + file + ": model is not an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            boolean otherModel = modelType != null && !modelType.equals("BPE"); // reported by Tokenizer with its type
            switch (field) {
                case "type" -> modelType = p.getText();
                case "vocab" -> { if (otherModel) p.skipChildren(); else readVocab(p, file); }
                case "merges" -> { if (otherModel) p.skipChildren(); else readMerges(p, file); }
                case "ignore_merges" -> ignoreMerges = value == JsonToken.VALUE_TRUE;
                case "unk_token" -> unkToken = value == JsonToken.VALUE_NULL ? null : p.getText();
                case "continuing_subword_prefix" -> continuingSubwordPrefix = value == JsonToken.VALUE_NULL ? null : p.getText();
                case "end_of_word_suffix" -> endOfWordSuffix = value == JsonToken.VALUE_NULL ? null : p.getText();
                default -> p.skipChildren();
            }
        }
    }

    private void readVocab(JsonParser p, Path file) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new TokenizerException("invalid " + file + ": model.vocab is not an object (Baton supports BPE vocabularies)");
        vocab = new HashMap<>(1 << 18);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) throw new TokenizerException("invalid " + file + ": vocab entry '" + token + "' has no integer id");
            vocab.put(token, p.getIntValue());
        }
    }

    private void readMerges(JsonParser p, Path file) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) throw new TokenizerException("invalid " + file + ": model.merges is not an array");
        JsonToken tok;
        while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
            if (tok == JsonToken.VALUE_STRING) { // legacy form "left right"
                String s = p.getText();
                int space = s.indexOf(' ');
                if (space <= 0 || space == s.length() - 1 || s.indexOf(' ', space + 1) >= 0) {
                    throw new TokenizerException("invalid " + file + ": merge '" + s + "' is not two tokens separated by a space");
                }
                merges.add(new String[] {s.substring(0, space), s.substring(space + 1)});
            } else if (tok == JsonToken.START_ARRAY) { // newer form ["left", "right"]
                String left = p.nextTextValue(), right = p.nextTextValue();
                if (left == null || right == null || p.nextToken() != JsonToken.END_ARRAY) {
                    throw new TokenizerException("invalid " + file + ": a merge is not a pair of strings");
                }
                merges.add(new String[] {left, right});
            } else {
                throw new TokenizerException("invalid " + file + ": unexpected " + tok + " in model.merges");
            }
        }
    }
}
