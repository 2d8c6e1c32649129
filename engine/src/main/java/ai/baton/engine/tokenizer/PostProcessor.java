package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** tokenizer.json's {@code post_processor}: what encode(text, addSpecialTokens=true) adds around the ids. */
@FunctionalInterface
interface PostProcessor {
    int[] addSpecialTokens(int[] ids);

    PostProcessor NONE = ids -> ids;

    static PostProcessor fromJson(JsonNode node, String file) {
        if (node == null || node.isNull()) return NONE;
        String type = node.path("type").asText("");
        return switch (type) {
            case "ByteLevel" -> NONE; // only adjusts offsets, which Baton does not track
            case "TemplateProcessing" -> template(node.path("single"), node.path("special_tokens"), file);
            case "BertProcessing", "RobertaProcessing" -> { // [cls] A [sep]; cls and sep are ["token", id]
                int cls = node.path("cls").path(1).asInt(), sep = node.path("sep").path(1).asInt();
                yield ids -> {
                    int[] out = new int[ids.length + 2];
                    out[0] = cls;
                    System.arraycopy(ids, 0, out, 1, ids.length);
                    out[out.length - 1] = sep;
                    return out;
                };
            }
            case "Sequence" -> {
                List<PostProcessor> steps = new ArrayList<>();
                for (JsonNode n : node.path("processors")) steps.add(fromJson(n, file));
                yield ids -> {
                    for (PostProcessor p : steps) ids = p.addSpecialTokens(ids);
                    return ids;
                };
            }
            default -> throw new TokenizerException("unsupported post_processor type '" + type + "' in " + file);
        };
    }

    /** TemplateProcessing's single-sequence template, e.g. [SpecialToken <|begin_of_text|>, Sequence A]. */
    private static PostProcessor template(JsonNode single, JsonNode specialTokens, String file) {
        List<int[]> parts = new ArrayList<>(); // null marks where the sequence goes
        for (JsonNode piece : single) {
            if (piece.has("Sequence")) {
                parts.add(null);
            } else if (piece.has("SpecialToken")) {
                String name = piece.get("SpecialToken").path("id").asText();
                JsonNode ids = specialTokens.path(name).path("ids");
                if (!ids.isArray()) throw new TokenizerException("TemplateProcessing names unknown special token '" + name + "' in " + file);
                int[] a = new int[ids.size()];
                for (int i = 0; i < a.length; i++) a[i] = ids.get(i).asInt();
                parts.add(a);
            } else {
                throw new TokenizerException("unsupported TemplateProcessing piece " + piece + " in " + file);
            }
        }
        return ids -> {
            IntList out = new IntList(ids.length + 4);
            for (int[] p : parts) out.addAll(p == null ? ids : p);
            return out.toArray();
        };
    }
}
