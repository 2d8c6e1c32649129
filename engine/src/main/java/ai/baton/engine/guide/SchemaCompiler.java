package ai.baton.engine.guide;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Compiles the supported subset of JSON Schema to {@link ValueRule}s; see package-info for the subset. */
final class SchemaCompiler {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Keywords that do not restrict the text generated (annotations and bounds this engine does not enforce). */
    static final Set<String> IGNORED = Set.of("$schema", "$id", "$comment", "$defs", "definitions", "title", "description",
            "default", "examples", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "deprecated", "readOnly", "writeOnly");
    /**
     * Restricts strings when it names a known format ({@link StringFormats}), else ignored; either way it may stand
     * beside any keyword (it is not structural) and does not make the type a string.
     */
    private static final String FORMAT = "format";
    private static final Set<String> OBJECT_KEYWORDS = Set.of("properties", "required", "additionalProperties");
    private static final Set<String> ARRAY_KEYWORDS = Set.of("items", "prefixItems", "minItems", "maxItems");
    private static final Set<String> STRING_KEYWORDS = Set.of("minLength", "maxLength", "pattern");
    private static final Set<String> SUPPORTED;
    static {
        Set<String> s = new HashSet<>(Set.of("type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref"));
        s.addAll(OBJECT_KEYWORDS);
        s.addAll(ARRAY_KEYWORDS);
        s.addAll(STRING_KEYWORDS);
        SUPPORTED = Set.copyOf(s);
    }
    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean", "null");

    private final JsonNode root;
    private final Map<String, RefRule> refs = new HashMap<>();
    private final ArrayDeque<RefRule> unresolved = new ArrayDeque<>();

    private SchemaCompiler(JsonNode root) { this.root = root; }

    static ValueRule compile(String schemaJson) {
        JsonNode root;
        try {
            root = MAPPER.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw new GuideException("invalid JSON schema: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) throw new GuideException("invalid JSON schema: the schema is empty");
        SchemaCompiler compiler = new SchemaCompiler(root);
        ValueRule rule = compiler.compile(root, "");
        while (!compiler.unresolved.isEmpty()) {
            RefRule ref = compiler.unresolved.poll();
            ref.resolve(compiler.compile(root.at(JsonPointer.compile(ref.pointer)), ref.pointer));
        }
        Set<ValueRule> cleared = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (RefRule ref : compiler.refs.values()) checkProgress(ref, new IdentityHashMap<>(), cleared);
        return rule;
    }

    private ValueRule compile(JsonNode node, String at) {
        if (node.isBoolean()) {
            if (node.booleanValue()) return AnyRule.INSTANCE;
            throw new GuideException("the schema false at " + where(at) + " allows no value");
        }
        if (!node.isObject()) throw new GuideException("invalid JSON schema: expected an object or a boolean at " + where(at));
        Set<String> structural = new LinkedHashSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (IGNORED.contains(key) || key.equals(FORMAT)) continue;
            if (!SUPPORTED.contains(key)) throw new GuideException("unsupported JSON schema keyword \"" + key + "\" at " + where(at));
            structural.add(key);
        }
        if (structural.contains("$ref")) {
            onlyKeyword("$ref", structural, at);
            return ref(node.get("$ref"), at);
        }
        if (structural.contains("anyOf") || structural.contains("oneOf")) {
            String keyword = structural.contains("anyOf") ? "anyOf" : "oneOf";
            onlyKeyword(keyword, structural, at);
            return union(members(node, keyword, at), at + "/" + keyword);
        }
        if (structural.contains("allOf")) {
            onlyKeyword("allOf", structural, at);
            JsonNode members = members(node, "allOf", at);
            if (members.size() != 1) throw new GuideException("\"allOf\" with more than one member at " + where(at) + " is not supported");
            return compile(members.get(0), at + "/allOf/0");
        }
        List<String> types = types(node, structural, at);
        if (structural.contains("enum") || structural.contains("const")) return literals(node, types, at);
        List<ValueRule> alternatives = new ArrayList<>();
        for (String type : types) alternatives.add(switch (type) {
            case "object" -> object(node, at);
            case "array" -> array(node, at);
            case "string" -> string(node, at);
            case "number" -> NumberRule.NUMBER;
            case "integer" -> NumberRule.INTEGER;
            case "boolean" -> LiteralRule.BOOLEAN;
            case "null" -> LiteralRule.NULL;
            default -> throw new IllegalStateException(type);
        });
        if (alternatives.isEmpty()) return AnyRule.INSTANCE;
        return alternatives.size() == 1 ? alternatives.getFirst() : new UnionRule(alternatives);
    }

    private static void onlyKeyword(String keyword, Set<String> structural, String at) {
        for (String other : structural) {
            if (!other.equals(keyword)) throw new GuideException("\"" + keyword + "\" next to \"" + other + "\" at " + where(at) + " is not supported");
        }
    }

    private static JsonNode members(JsonNode node, String keyword, String at) {
        JsonNode members = node.get(keyword);
        if (!members.isArray() || members.isEmpty()) throw new GuideException("invalid JSON schema: \"" + keyword + "\" at " + where(at) + " must be a non-empty array");
        return members;
    }

    private ValueRule union(JsonNode members, String at) {
        List<ValueRule> alternatives = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) alternatives.add(compile(members.get(i), at + "/" + i));
        return alternatives.size() == 1 ? alternatives.getFirst() : new UnionRule(alternatives);
    }

    private ValueRule ref(JsonNode ref, String at) {
        if (!ref.isTextual()) throw new GuideException("invalid JSON schema: \"$ref\" at " + where(at) + " must be a string");
        String text = ref.textValue();
        String pointer = text.startsWith("#") ? text.substring(1) : null;
        if (pointer == null || !(pointer.isEmpty() || pointer.startsWith("/"))) {
            throw new GuideException("unsupported \"$ref\" \"" + text + "\" at " + where(at) + " (only local references such as #/$defs/name)");
        }
        RefRule rule = refs.get(pointer);
        if (rule != null) return rule;
        JsonNode target;
        try {
            target = root.at(JsonPointer.compile(pointer));
        } catch (IllegalArgumentException e) {
            throw new GuideException("invalid JSON schema: bad \"$ref\" \"" + text + "\" at " + where(at));
        }
        if (target.isMissingNode()) throw new GuideException("invalid JSON schema: \"$ref\" \"" + text + "\" at " + where(at) + " points to nothing");
        rule = new RefRule(pointer);
        refs.put(pointer, rule);
        unresolved.add(rule);
        return rule;
    }

    /** The allowed types: the "type" keyword, else guessed from the type-specific keywords present (none: any). */
    private static List<String> types(JsonNode node, Set<String> structural, String at) {
        JsonNode type = node.get("type");
        List<String> types = new ArrayList<>();
        if (type == null) {
            if (structural.stream().anyMatch(OBJECT_KEYWORDS::contains)) types.add("object");
            if (structural.stream().anyMatch(ARRAY_KEYWORDS::contains)) types.add("array");
            if (structural.stream().anyMatch(STRING_KEYWORDS::contains)) types.add("string");
            return types;
        }
        List<JsonNode> names = new ArrayList<>();
        if (type.isArray()) type.forEach(names::add);
        else names.add(type);
        for (JsonNode name : names) {
            if (!name.isTextual() || !TYPES.contains(name.textValue())) throw new GuideException("invalid JSON schema: unknown type " + name + " at " + where(at));
            if (!types.contains(name.textValue())) types.add(name.textValue());
        }
        if (types.isEmpty()) throw new GuideException("invalid JSON schema: empty \"type\" at " + where(at));
        return types;
    }

    private static ValueRule literals(JsonNode node, List<String> types, String at) {
        List<JsonNode> values = new ArrayList<>();
        if (node.has("const")) values.add(node.get("const"));
        if (node.has("enum")) {
            JsonNode e = node.get("enum");
            if (!e.isArray()) throw new GuideException("invalid JSON schema: \"enum\" at " + where(at) + " must be an array");
            e.forEach(values::add);
        }
        List<byte[]> literals = new ArrayList<>();
        for (JsonNode v : values) {
            if (types.isEmpty() || types.stream().anyMatch(t -> hasType(v, t))) literals.add(json(v));
        }
        if (literals.isEmpty()) throw new GuideException("\"enum\"/\"const\" at " + where(at) + " allows no value");
        return LiteralRule.of(literals);
    }

    /** Whether a JSON value is of a JSON schema type (also used by the tests' conformance checker). */
    static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "number" -> v.isNumber();
            case "integer" -> v.isIntegralNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> false;
        };
    }

    private ValueRule object(JsonNode node, String at) {
        JsonNode properties = node.get("properties");
        if (properties != null && !properties.isObject()) throw new GuideException("invalid JSON schema: \"properties\" at " + where(at) + " must be an object");
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = node.get("required");
        if (req != null) {
            if (!req.isArray()) throw new GuideException("invalid JSON schema: \"required\" at " + where(at) + " must be an array of strings");
            for (JsonNode r : req) {
                if (!r.isTextual()) throw new GuideException("invalid JSON schema: \"required\" at " + where(at) + " must be an array of strings");
                required.add(r.textValue());
            }
        }
        JsonNode additional = node.get("additionalProperties");
        boolean additionalFalse = additional != null && additional.isBoolean() && !additional.booleanValue();
        if (additional != null && !additional.isBoolean() && !additional.isObject()) {
            throw new GuideException("invalid JSON schema: \"additionalProperties\" at " + where(at) + " must be a boolean or a schema");
        }
        if ((properties == null || properties.isEmpty()) && required.isEmpty()) {
            if (additionalFalse) return new ObjectRule(List.of(), null);
            if (additional != null && additional.isObject()) return new ObjectRule(List.of(), compile(additional, at + "/additionalProperties"));
            return ObjectRule.ANY;
        }
        // Only the listed properties are generated (xgrammar's strict default), in the listed order.
        Map<String, ValueRule> rules = new LinkedHashMap<>();
        if (properties != null) {
            for (Map.Entry<String, JsonNode> p : properties.properties()) {
                rules.put(p.getKey(), compile(p.getValue(), at + "/properties/" + escape(p.getKey())));
            }
        }
        for (String name : required) {
            if (rules.containsKey(name)) continue;
            if (additionalFalse) throw new GuideException("required property \"" + name + "\" at " + where(at) + " is not in \"properties\" and additional properties are not allowed");
            rules.put(name, AnyRule.INSTANCE);
        }
        List<PropertyRule> list = new ArrayList<>();
        for (Map.Entry<String, ValueRule> e : rules.entrySet()) {
            list.add(new PropertyRule(e.getKey(), json(MAPPER.getNodeFactory().textNode(e.getKey())), required.contains(e.getKey()), e.getValue()));
        }
        return new ObjectRule(list, null);
    }

    private ValueRule array(JsonNode node, String at) {
        List<ValueRule> prefix = new ArrayList<>();
        JsonNode prefixItems = node.get("prefixItems");
        JsonNode items = node.get("items");
        if (items != null && items.isArray()) { // draft-4 tuple form
            if (prefixItems != null) throw new GuideException("invalid JSON schema: both \"prefixItems\" and an array \"items\" at " + where(at));
            prefixItems = items;
            items = null;
        }
        if (prefixItems != null) {
            if (!prefixItems.isArray()) throw new GuideException("invalid JSON schema: \"prefixItems\" at " + where(at) + " must be an array");
            String key = node.has("prefixItems") ? "/prefixItems/" : "/items/";
            for (int i = 0; i < prefixItems.size(); i++) prefix.add(compile(prefixItems.get(i), at + key + i));
        }
        ValueRule rest;
        if (items == null || (items.isBoolean() && items.booleanValue())) rest = AnyRule.INSTANCE;
        else if (items.isBoolean()) rest = null;
        else rest = compile(items, at + "/items");
        int min = count(node, "minItems", 0, at);
        int max = count(node, "maxItems", ArrayRule.UNBOUNDED, at);
        if (rest == null) max = Math.min(max, prefix.size());
        if (min > max) throw new GuideException("the array schema at " + where(at) + " allows no value (minItems is more than the items allowed)");
        return new ArrayRule(prefix, rest, min, max);
    }

    /**
     * A string; with a pattern or a known format, one whose decoded content fully matches them (anchored, as
     * xgrammar reads JSON Schema's pattern; both when both are given).
     */
    private static ValueRule string(JsonNode node, String at) {
        int min = count(node, "minLength", 0, at);
        int max = count(node, "maxLength", StringRule.UNBOUNDED, at);
        if (min > max) throw new GuideException("the string schema at " + where(at) + " allows no value (minLength > maxLength)");
        List<RegexRule.Source> sources = new ArrayList<>();
        JsonNode pattern = node.get("pattern");
        if (pattern != null) {
            if (!pattern.isTextual()) throw new GuideException("invalid JSON schema: \"pattern\" at " + where(at) + " must be a string");
            sources.add(new RegexRule.Source(pattern.textValue(), "\"pattern\" at " + where(at)));
        }
        JsonNode format = node.get(FORMAT);
        String formatPattern = format != null && format.isTextual() ? StringFormats.pattern(format.textValue()) : null;
        if (formatPattern != null) sources.add(new RegexRule.Source(formatPattern, "\"format\" " + format + " at " + where(at)));
        if (sources.isEmpty()) return min == 0 && max == StringRule.UNBOUNDED ? StringRule.ANY : new StringRule(min, max);
        String what = sources.size() == 1 ? sources.getFirst().what() : "\"pattern\" and \"format\" " + format + " at " + where(at);
        return RegexRule.jsonString(sources, min, max, what);
    }

    private static int count(JsonNode node, String keyword, int absent, String at) {
        JsonNode v = node.get(keyword);
        if (v == null) return absent;
        if (!v.isIntegralNumber() || v.asLong() < 0) throw new GuideException("invalid JSON schema: \"" + keyword + "\" at " + where(at) + " must be a non-negative integer");
        return (int) Math.min(v.asLong(), Integer.MAX_VALUE);
    }

    /**
     * Rejects a $ref that can reach itself through unions and refs without reading a byte: the automaton
     * would loop forever expanding it.
     */
    private static void checkProgress(ValueRule rule, IdentityHashMap<ValueRule, Boolean> onPath, Set<ValueRule> cleared) {
        if (!(rule instanceof RefRule) && !(rule instanceof UnionRule) || cleared.contains(rule)) return;
        if (onPath.containsKey(rule)) {
            String pointer = rule instanceof RefRule r ? r.pointer : "";
            throw new GuideException("the \"$ref\" to " + where(pointer) + " refers to itself without any content in between");
        }
        onPath.put(rule, Boolean.TRUE);
        if (rule instanceof RefRule r) checkProgress(r.target(), onPath, cleared);
        else for (ValueRule alt : ((UnionRule) rule).alternatives) checkProgress(alt, onPath, cleared);
        onPath.remove(rule);
        cleared.add(rule); // checked once: keeps the walk linear on schemas that share definitions
    }

    private static byte[] json(JsonNode value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new GuideException("invalid JSON schema: cannot serialize " + value);
        }
    }

    private static String escape(String key) { return key.replace("~", "~0").replace("/", "~1"); }

    private static String where(String pointer) { return pointer.isEmpty() ? "the schema root" : pointer; }
}
