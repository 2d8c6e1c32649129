package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** tokenizer.json's {@code pre_tokenizer}: cuts a piece of text into the words that BPE encodes one by one. */
interface PreTokenizer {
    /** Appends the non-empty words of piece to out. */
    void split(String piece, List<String> out);

    /** True if this pre-tokenizer maps words to the byte-level alphabet (the BPE model here requires it). */
    boolean mapsToBytes();

    static PreTokenizer fromJson(JsonNode node, String file) {
        if (node == null || node.isNull()) throw new TokenizerException("missing pre_tokenizer in " + file + " (Baton supports byte-level BPE only)");
        String type = node.path("type").asText("");
        return switch (type) {
            case "ByteLevel" -> new ByteLevelPreTokenizer(node.path("add_prefix_space").asBoolean(true), node.path("use_regex").asBoolean(true));
            case "Split" -> RegexSplit.fromJson(node, file);
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                for (JsonNode n : node.path("pretokenizers")) steps.add(fromJson(n, file));
                yield new Sequence(List.copyOf(steps));
            }
            default -> throw new TokenizerException("unsupported pre_tokenizer type '" + type + "' in " + file + " (Baton supports Split, ByteLevel and Sequence)");
        };
    }

    /** Applies each step to every word the previous step produced. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override public void split(String piece, List<String> out) {
            List<String> current = List.of(piece);
            for (int i = 0; i < steps.size(); i++) {
                List<String> next = i == steps.size() - 1 ? out : new ArrayList<>();
                for (String s : current) steps.get(i).split(s, next);
                current = next;
            }
        }

        @Override public boolean mapsToBytes() {
            return steps.stream().anyMatch(PreTokenizer::mapsToBytes);
        }
    }
}
