package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** tokenizer.json's {@code normalizer}: rewrites the text (outside added tokens) before pre-tokenization. */
@FunctionalInterface
interface TextNormalizer {
    String normalize(String text);

    /** Builds the normalizer a tokenizer.json node describes; null for a JSON null (no normalization). */
    static TextNormalizer fromJson(JsonNode node, String file) {
        if (node == null || node.isNull()) return null;
        String type = node.path("type").asText("");
        return switch (type) {
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            case "Prepend" -> {
                String prefix = node.path("prepend").asText();
                yield s -> s.isEmpty() ? s : prefix + s;
            }
            case "Replace" -> {
                JsonNode pattern = node.path("pattern");
                String content = node.path("content").asText();
                if (pattern.has("String")) {
                    String literal = pattern.get("String").asText();
                    yield s -> s.replace(literal, content);
                }
                var regex = HfRegex.compile(pattern.path("Regex").asText(), file);
                String replacement = java.util.regex.Matcher.quoteReplacement(content);
                yield s -> regex.matcher(s).replaceAll(replacement);
            }
            case "Sequence" -> {
                List<TextNormalizer> steps = new ArrayList<>();
                for (JsonNode n : node.path("normalizers")) {
                    TextNormalizer step = fromJson(n, file);
                    if (step != null) steps.add(step);
                }
                yield s -> {
                    for (TextNormalizer step : steps) s = step.normalize(s);
                    return s;
                };
            }
            default -> throw new TokenizerException("unsupported normalizer type '" + type + "' in " + file);
        };
    }
}
