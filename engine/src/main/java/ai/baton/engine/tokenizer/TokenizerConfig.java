package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parts of tokenizer_config.json that serving needs. Token fields may be plain strings or
 * {"content": ...} objects in the file; here they are strings, or null when absent.
 *
 * @param chatTemplate       the default chat template: the string form, or the entry named "default" of the list form; null if none
 * @param chatTemplates      every named template (the string form is named "default"); empty if none
 * @param chatTemplateNode   chat_template exactly as found (a string node, an array node, or null)
 * @param modelMaxLength     model_max_length; Long.MAX_VALUE when absent or HF's "no limit" sentinel (1e30)
 * @param raw                the whole tokenizer_config.json (an empty object if the file is absent)
 */
public record TokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken,
                              boolean addBosToken, boolean addEosToken,
                              String chatTemplate, Map<String, String> chatTemplates, JsonNode chatTemplateNode,
                              long modelMaxLength, JsonNode raw) {

    static final String FILE = "tokenizer_config.json";

    static TokenizerConfig empty() { return fromJson(JsonNodeFactory.instance.objectNode(), null); }

    /** Reads dir/tokenizer_config.json; the chat template may also live in chat_template.jinja or chat_template.json, as newer transformers save it. */
    static TokenizerConfig load(Path dir, ObjectMapper mapper) {
        Path file = dir.resolve(FILE);
        JsonNode root;
        try {
            root = Files.exists(file) ? mapper.readTree(file.toFile()) : JsonNodeFactory.instance.objectNode();
        } catch (IOException e) {
            throw new TokenizerException("invalid " + file + ": " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerException("invalid " + file + ": not a JSON object");
        JsonNode template = root.get("chat_template");
        try {
            if (template == null || template.isNull()) {
                Path jinja = dir.resolve("chat_template.jinja");
                Path json = dir.resolve("chat_template.json");
                if (Files.exists(jinja)) template = TextNode.valueOf(Files.readString(jinja));
                else if (Files.exists(json)) template = mapper.readTree(json.toFile()).get("chat_template");
            }
        } catch (IOException e) {
            throw new TokenizerException("cannot read the chat template next to " + file + ": " + firstLine(e.getMessage()), e);
        }
        return fromJson(root, template);
    }

    static TokenizerConfig fromJson(JsonNode root, JsonNode template) {
        Map<String, String> templates = new LinkedHashMap<>();
        String defaultTemplate = null;
        if (template != null && template.isTextual()) {
            defaultTemplate = template.asText();
            templates.put("default", defaultTemplate);
        } else if (template != null && template.isArray()) {
            for (JsonNode t : template) templates.put(t.path("name").asText(), t.path("template").asText());
            defaultTemplate = templates.get("default");
        }
        JsonNode max = root.get("model_max_length");
        long maxLength = Long.MAX_VALUE;
        if (max != null && max.isNumber() && max.canConvertToLong() && max.asLong() < 1_000_000_000_000_000L) maxLength = max.asLong();
        return new TokenizerConfig(token(root, "bos_token"), token(root, "eos_token"), token(root, "pad_token"), token(root, "unk_token"),
                root.path("add_bos_token").asBoolean(false), root.path("add_eos_token").asBoolean(false),
                defaultTemplate, Collections.unmodifiableMap(templates), template, maxLength, root);
    }

    private static String token(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        JsonNode content = n.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
