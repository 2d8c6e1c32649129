package ai.baton.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A compiled Hugging Face chat template, rendered as transformers' apply_chat_template renders
 * it: Jinja2 semantics in an immutable sandbox with trim_blocks and lstrip_blocks, the variables
 * messages / tools / documents / add_generation_prompt, the tokenizer's special tokens, and the
 * caller's extra kwargs. Compiled templates are immutable and safe to share between threads.
 */
public final class ChatTemplate {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** transformers passes tokenizer.special_tokens_map (the tokens that are set) into the template. */
    private static final String[] SPECIAL_TOKENS = {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
            "cls_token", "mask_token"};

    private final String source;
    private final List<Node> body;
    private final Map<String, Object> defaults;

    private ChatTemplate(String source, List<Node> body, Map<String, Object> defaults) {
        this.source = source;
        this.body = body;
        this.defaults = defaults;
    }

    /** Parses a template; throws TemplateException (with line/column) on syntax errors. */
    public static ChatTemplate compile(String source) {
        return new ChatTemplate(source, Parser.parse(source), Map.of());
    }

    /**
     * Loads the chat template of a tokenizer directory: {@code chat_template.jinja} if present,
     * else {@code chat_template} of {@code tokenizer_config.json} (a string, or a list of
     * {name, template} from which "default" is taken), else {@code chat_template.json}. The
     * special tokens of tokenizer_config.json become variables (bos_token, eos_token, ...).
     */
    public static Optional<ChatTemplate> fromTokenizerDir(Path dir) {
        try {
            JsonNode config = null;
            Path configPath = dir.resolve("tokenizer_config.json");
            if (Files.isRegularFile(configPath)) config = JSON.readTree(configPath.toFile());
            String source = null;
            Path jinja = dir.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) source = Files.readString(jinja);
            if (source == null && config != null) source = templateFrom(config.get("chat_template"));
            Path processor = dir.resolve("chat_template.json");
            if (source == null && Files.isRegularFile(processor)) {
                source = templateFrom(JSON.readTree(processor.toFile()).get("chat_template"));
            }
            if (source == null) return Optional.empty();
            // Older checkpoints keep the special tokens in special_tokens_map.json instead.
            JsonNode legacy = null;
            Path legacyPath = dir.resolve("special_tokens_map.json");
            if (Files.isRegularFile(legacyPath)) legacy = JSON.readTree(legacyPath.toFile());
            Map<String, Object> vars = new HashMap<>();
            for (String name : SPECIAL_TOKENS) {
                String token = config == null ? null : tokenText(config.get(name));
                if (token == null && legacy != null) token = tokenText(legacy.get(name));
                if (token != null) vars.put(name, token);
            }
            JsonNode extra = config == null ? null : config.get("additional_special_tokens");
            if ((extra == null || !extra.isArray()) && legacy != null) extra = legacy.get("additional_special_tokens");
            if (extra != null && extra.isArray() && !extra.isEmpty()) {
                List<Object> tokens = new ArrayList<>();
                for (JsonNode t : extra) {
                    String token = tokenText(t);
                    if (token != null) tokens.add(token);
                }
                vars.put("additional_special_tokens", tokens);
            }
            return Optional.of(new ChatTemplate(source, Parser.parse(source), Collections.unmodifiableMap(vars)));
        } catch (IOException e) {
            throw new UncheckedIOException("reading chat template from " + dir, e);
        }
    }

    private static String templateFrom(JsonNode node) {
        if (node == null || node.isNull()) return null;
        if (node.isTextual()) return node.asText();
        if (node.isArray()) {
            for (JsonNode entry : node) {
                if ("default".equals(entry.path("name").asText(null))) return entry.path("template").asText(null);
            }
        }
        return null;
    }

    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) return null;
        if (node.isTextual()) return node.asText();
        if (node.isObject() && node.get("content") != null && node.get("content").isTextual()) return node.get("content").asText();
        return null;
    }

    /** A copy with more default variables (e.g. special tokens of a tokenizer loaded elsewhere). */
    public ChatTemplate withVariables(Map<String, Object> variables) {
        Map<String, Object> merged = new HashMap<>(defaults);
        merged.putAll(variables);
        return new ChatTemplate(source, body, Collections.unmodifiableMap(merged));
    }

    public String source() {
        return source;
    }

    /** The default variables (special tokens) this template renders with. */
    public Map<String, Object> variables() {
        return defaults;
    }

    /**
     * Renders a conversation. Values are plain Java (String, Number, Boolean, null, List, Map,
     * or Jackson JsonNode); extraKwargs (e.g. enable_thinking, tools, documents) override the
     * defaults. Throws TemplateException on template errors, including raise_exception().
     */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extraKwargs) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("tools", null);
        ctx.put("documents", null);
        for (Map.Entry<String, Object> e : defaults.entrySet()) ctx.put(e.getKey(), toPython(e.getValue()));
        if (extraKwargs != null) {
            for (Map.Entry<String, Object> e : extraKwargs.entrySet()) ctx.put(e.getKey(), toPython(e.getValue()));
        }
        ctx.put("messages", toPython(messages == null ? List.of() : messages));
        ctx.put("add_generation_prompt", addGenerationPrompt);
        return new Interpreter().render(body, ctx);
    }

    /** Renders with an arbitrary variable set (no messages/tools defaults added). */
    public String renderWith(Map<String, Object> variables) {
        Map<String, Object> ctx = new HashMap<>();
        for (Map.Entry<String, Object> e : defaults.entrySet()) ctx.put(e.getKey(), toPython(e.getValue()));
        for (Map.Entry<String, Object> e : variables.entrySet()) ctx.put(e.getKey(), toPython(e.getValue()));
        return new Interpreter().render(body, ctx);
    }

    /** Deep-copies caller values into the interpreter's model (Long, Double, ArrayList, LinkedHashMap). */
    static Object toPython(Object v) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case BigInteger b -> PyOps.normInt(b);
            case Double d -> d;
            case Float f -> (double) f;
            case BigDecimal b -> b.doubleValue();
            case Number n -> n.doubleValue();
            case Character c -> String.valueOf(c);
            case CharSequence cs -> cs.toString();
            case JsonNode node -> toPython(JSON.convertValue(node, Object.class));
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.put(toPython(e.getKey()), toPython(e.getValue()));
                yield out;
            }
            case Collection<?> c -> {
                List<Object> out = new ArrayList<>(c.size());
                for (Object o : c) out.add(toPython(o));
                yield out;
            }
            case Object[] arr -> {
                List<Object> out = new ArrayList<>(arr.length);
                for (Object o : arr) out.add(toPython(o));
                yield out;
            }
            default -> v;
        };
    }
}
