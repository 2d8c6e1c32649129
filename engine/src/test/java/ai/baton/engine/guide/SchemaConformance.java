package ai.baton.engine.guide;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A small validator for the schema subset the guide supports, with the guide's strict reading: an object
 * with listed properties has no others, a pattern matches the whole string, known formats are checked.
 * Independent of the compiler, to check generated outputs against.
 */
final class SchemaConformance {
    private final JsonNode root;

    SchemaConformance(JsonNode root) { this.root = root; }

    boolean conforms(JsonNode value) { return conforms(value, root); }

    private boolean conforms(JsonNode v, JsonNode s) {
        if (s.isBoolean()) return s.booleanValue();
        if (s.has("$ref")) return conforms(v, root.at(JsonPointer.compile(s.get("$ref").textValue().substring(1))));
        for (String k : new String[] {"anyOf", "oneOf"}) {
            if (s.has(k)) {
                for (JsonNode alt : s.get(k)) if (conforms(v, alt)) return true;
                return false;
            }
        }
        if (s.has("allOf")) {
            for (JsonNode m : s.get("allOf")) if (!conforms(v, m)) return false;
            return true;
        }
        if (s.has("const") && !s.get("const").equals(v)) return false;
        if (s.has("enum")) {
            boolean found = false;
            for (JsonNode e : s.get("enum")) found |= e.equals(v);
            if (!found) return false;
        }
        if (s.has("type")) {
            JsonNode t = s.get("type");
            boolean any = false;
            if (t.isArray()) for (JsonNode n : t) any |= SchemaCompiler.hasType(v, n.textValue());
            else any = SchemaCompiler.hasType(v, t.textValue());
            if (!any) return false;
        }
        if (v.isObject() && !objectConforms(v, s)) return false;
        if (v.isArray() && !arrayConforms(v, s)) return false;
        if (v.isTextual()) {
            int len = v.textValue().codePointCount(0, v.textValue().length());
            if (s.has("minLength") && len < s.get("minLength").asInt()) return false;
            if (s.has("maxLength") && len > s.get("maxLength").asInt()) return false;
            // The guide reads pattern as a full match (as xgrammar does), and enforces the formats it knows.
            if (s.has("pattern") && !Pattern.compile(s.get("pattern").textValue(), Pattern.UNIX_LINES).matcher(v.textValue()).matches()) return false;
            if (s.has("format") && !FormatCheck.valid(s.get("format").textValue(), v.textValue())) return false;
        }
        return true;
    }

    private boolean objectConforms(JsonNode v, JsonNode s) {
        JsonNode props = s.get("properties");
        for (JsonNode r : s.path("required")) if (!v.has(r.textValue())) return false;
        JsonNode additional = s.get("additionalProperties");
        boolean listed = props != null && !props.isEmpty();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode ps = listed ? props.get(e.getKey()) : null;
            if (ps != null) {
                if (!conforms(e.getValue(), ps)) return false;
            } else if (listed) {
                boolean requiredName = false;
                for (JsonNode r : s.path("required")) requiredName |= r.textValue().equals(e.getKey());
                if (!requiredName) return false; // strict: only listed (or required) properties
            } else if (additional != null && !conforms(e.getValue(), additional)) {
                return false;
            }
        }
        return true;
    }

    private boolean arrayConforms(JsonNode v, JsonNode s) {
        if (s.has("minItems") && v.size() < s.get("minItems").asInt()) return false;
        if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) return false;
        JsonNode prefix = s.path("prefixItems");
        for (int i = 0; i < v.size(); i++) {
            JsonNode itemSchema = i < prefix.size() ? prefix.get(i) : s.get("items");
            if (itemSchema != null && !conforms(v.get(i), itemSchema)) return false;
        }
        return true;
    }
}
