package ai.baton.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, strict reads of a JSON object's optional fields. JSON null counts as absent (clients send it for defaults);
 * a wrong type or an out-of-range value is a 400 naming the field. Numbers are never parsed from strings.
 */
final class Fields {
    private final ObjectNode obj;
    private final String prefix;

    Fields(ObjectNode obj, String prefix) {
        this.obj = obj;
        this.prefix = prefix;
    }

    /** The field, or null when absent or JSON null. */
    JsonNode node(String name) {
        JsonNode n = obj.get(name);
        return n == null || n.isNull() ? null : n;
    }

    boolean has(String name) { return node(name) != null; }

    String param(String name) { return prefix + name; }

    ApiException bad(String name, String message) {
        return ApiException.badRequest(message, param(name));
    }

    Long optLong(String name, long min, long max) {
        JsonNode n = node(name);
        if (n == null) return null;
        BigInteger v = integer(name, n);
        if (v.compareTo(BigInteger.valueOf(min)) < 0)
            throw bad(name, "'" + param(name) + "' must be at least " + min + ", got " + v + ".");
        if (v.compareTo(BigInteger.valueOf(max)) > 0)
            throw bad(name, "'" + param(name) + "' must be at most " + max + ", got " + v + ".");
        return v.longValue();
    }

    Integer optInt(String name, int min, int max) {
        Long v = optLong(name, min, max);
        return v == null ? null : v.intValue();
    }

    private BigInteger integer(String name, JsonNode n) {
        if (n.isIntegralNumber()) return n.bigIntegerValue();
        if (n.isFloatingPointNumber()) {
            double d = n.doubleValue();
            if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 1e18) return BigInteger.valueOf((long) d);
        }
        throw bad(name, "'" + param(name) + "' must be an integer, got " + describe(n) + ".");
    }

    Double optDouble(String name) {
        JsonNode n = node(name);
        if (n == null) return null;
        if (!n.isNumber()) throw bad(name, "'" + param(name) + "' must be a number, got " + describe(n) + ".");
        double d = n.doubleValue();
        if (!Double.isFinite(d)) throw bad(name, "'" + param(name) + "' must be a finite number.");
        return d;
    }

    Boolean optBool(String name) {
        JsonNode n = node(name);
        if (n == null) return null;
        if (!n.isBoolean()) throw bad(name, "'" + param(name) + "' must be a boolean, got " + describe(n) + ".");
        return n.booleanValue();
    }

    String optString(String name) {
        JsonNode n = node(name);
        if (n == null) return null;
        if (!n.isTextual()) throw bad(name, "'" + param(name) + "' must be a string, got " + describe(n) + ".");
        return n.textValue();
    }

    ObjectNode optObject(String name) {
        JsonNode n = node(name);
        if (n == null) return null;
        if (!n.isObject()) throw bad(name, "'" + param(name) + "' must be an object, got " + describe(n) + ".");
        return (ObjectNode) n;
    }

    /** A string or an array of non-empty strings (OpenAI's "stop"). */
    List<String> optStrings(String name, int maxCount) {
        JsonNode n = node(name);
        if (n == null) return List.of();
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.textValue());
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isTextual()) throw bad(name, "'" + param(name) + "' must be a string or a list of strings.");
                out.add(e.textValue());
            }
        } else {
            throw bad(name, "'" + param(name) + "' must be a string or a list of strings, got " + describe(n) + ".");
        }
        if (out.size() > maxCount) throw bad(name, "'" + param(name) + "' may have at most " + maxCount + " entries.");
        for (String s : out) if (s.isEmpty()) throw bad(name, "'" + param(name) + "' entries must be non-empty.");
        return out;
    }

    /** An array of integers in [0, bound). */
    List<Integer> optIds(String name, int bound, int maxCount) {
        JsonNode n = node(name);
        if (n == null) return List.of();
        if (!n.isArray()) throw bad(name, "'" + param(name) + "' must be a list of integers, got " + describe(n) + ".");
        if (n.size() > maxCount) throw bad(name, "'" + param(name) + "' may have at most " + maxCount + " entries.");
        List<Integer> out = new ArrayList<>(n.size());
        for (JsonNode e : n) out.add(tokenId(name, e, bound));
        return out;
    }

    int tokenId(String name, JsonNode e, int bound) {
        if (!e.isIntegralNumber() || !e.canConvertToInt())
            throw bad(name, "'" + param(name) + "' must contain only integer token ids, got " + describe(e) + ".");
        int v = e.intValue();
        if (v < 0 || v >= bound)
            throw bad(name, "Token id " + v + " in '" + param(name) + "' is out of vocabulary (size " + bound + ").");
        return v;
    }

    static String describe(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> n.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
