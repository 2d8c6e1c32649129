package ai.baton.router.api;

import ai.baton.engine.guide.GuideCache;
import ai.baton.engine.guide.GuideException;
import ai.baton.engine.guide.GuideSpec;
import ai.baton.proto.Guide.Kind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * What a request says its output must be, in the spellings clients use: OpenAI's {@code response_format}
 * ({@code json_object}, {@code json_schema}), vLLM's {@code guided_json} / {@code guided_choice} /
 * {@code guided_regex} and its newer {@code structured_outputs} object, SGLang's {@code json_schema} and {@code regex}
 * sampling parameters. At most one of them; the spec is compiled here once so that a schema or regular expression the
 * nodes could not follow is a 400 before any node sees it. Grammars (EBNF, structural tags) are refused.
 */
final class StructuredOutput {
    private static final int MAX_CHOICES = 1024;
    private static final int MAX_REGEX_CHARS = 16_384;

    private StructuredOutput() {}

    /** The guide of a /v1/completions or /v1/chat/completions request, or null for free text. */
    static ai.baton.proto.Guide openAi(Fields f) {
        List<Found> found = new ArrayList<>();
        ObjectNode rf = f.optObject("response_format");
        if (rf != null) {
            Fields r = new Fields(rf, f.param("response_format") + ".");
            JsonNode type = rf.get("type");
            String t = type != null && type.isTextual() ? type.textValue() : null;
            if ("json_object".equals(t)) {
                found.add(new Found("response_format", GuideSpec.jsonObject()));
            } else if ("json_schema".equals(t)) {
                ObjectNode js = r.optObject("json_schema");
                if (js == null) throw r.bad("json_schema", "response_format of type json_schema needs 'json_schema': {\"name\": ..., \"schema\": {...}}.");
                JsonNode schema = js.get("schema");
                if (schema == null || schema.isNull()) schema = js.get("json_schema");   // vLLM also takes this spelling
                if (schema == null || !(schema.isObject() || schema.isBoolean()))
                    throw r.bad("json_schema", "'json_schema.schema' must be a JSON schema object.");
                found.add(new Found("response_format", GuideSpec.jsonSchema(schema.toString())));
            } else if (!"text".equals(t)) {
                throw f.bad("response_format", "response_format 'type' must be \"text\", \"json_object\" or \"json_schema\", got "
                        + (type == null ? "none" : type.toString()) + ".");
            }
        }
        if (f.has("guided_json")) found.add(new Found("guided_json", schema(f, "guided_json")));
        if (f.has("guided_choice")) found.add(new Found("guided_choice", choice(f, "guided_choice")));
        if (f.has("guided_regex")) found.add(new Found("guided_regex", regex(f, "guided_regex")));
        if (f.has("guided_grammar"))
            throw f.bad("guided_grammar", "'guided_grammar' is not supported; JSON (a schema or any object), choices and regular expressions are.");
        ObjectNode so = f.optObject("structured_outputs");
        if (so != null) {
            Fields s = new Fields(so, f.param("structured_outputs") + ".");
            if (s.has("json")) found.add(new Found("structured_outputs", schema(s, "json")));
            if (s.has("choice")) found.add(new Found("structured_outputs", choice(s, "choice")));
            if (s.has("regex")) found.add(new Found("structured_outputs", regex(s, "regex")));
            if (Boolean.TRUE.equals(s.optBool("json_object"))) found.add(new Found("structured_outputs", GuideSpec.jsonObject()));
            for (String unsupported : List.of("grammar", "structural_tag"))
                if (s.has(unsupported))
                    throw s.bad(unsupported, "'" + s.param(unsupported) + "' is not supported; JSON (a schema or any object), choices and regular expressions are.");
        }
        return one(f, found);
    }

    /** The guide of a tool_choice that forces a call; no other structured output may be asked for beside it. */
    static ai.baton.proto.Guide forcedTool(Fields f, ForcedToolCall forced) {
        if (openAi(f) != null)
            throw f.bad("tool_choice", "A 'tool_choice' that forces a call cannot be combined with response_format or guided decoding.");
        return one(f, List.of(new Found("tool_choice", forced.guide())));
    }

    /** SGLang's /generate: {@code sampling_params.json_schema} (a string) or {@code regex}; EBNF is refused. */
    static ai.baton.proto.Guide sglang(Fields samplingParams) {
        for (String unsupported : List.of("ebnf", "structural_tag"))
            if (samplingParams.has(unsupported))
                throw samplingParams.bad(unsupported, "'" + samplingParams.param(unsupported) + "' is not supported; json_schema and regex are.");
        List<Found> found = new ArrayList<>();
        if (samplingParams.has("json_schema")) found.add(new Found("json_schema", schema(samplingParams, "json_schema")));
        if (samplingParams.has("regex")) found.add(new Found("regex", regex(samplingParams, "regex")));
        return one(samplingParams, found);
    }

    private record Found(String param, GuideSpec spec) {}

    /** The router compiles each guide to refuse what the engine cannot follow; clients usually repeat their schemas. */
    private static final GuideCache COMPILED = new GuideCache(256);

    private static ai.baton.proto.Guide one(Fields f, List<Found> found) {
        if (found.isEmpty()) return null;
        if (found.size() > 1)
            throw f.bad(found.get(1).param(), "Only one kind of structured output may be given (response_format, guided_json, guided_choice, guided_regex or structured_outputs; json_schema or regex).");
        Found g = found.getFirst();
        try {
            COMPILED.compile(g.spec());
        } catch (GuideException e) {
            throw f.bad(g.param(), e.getMessage());
        }
        return toProto(g.spec());
    }

    /** A schema given as a JSON object (or boolean), or as its JSON text. */
    private static GuideSpec schema(Fields f, String name) {
        JsonNode n = f.node(name);
        if (n.isObject() || n.isBoolean()) return GuideSpec.jsonSchema(n.toString());
        if (n.isTextual()) return GuideSpec.jsonSchema(n.textValue());
        throw f.bad(name, "'" + f.param(name) + "' must be a JSON schema (an object, or its JSON text), got " + Fields.describe(n) + ".");
    }

    /** A regular expression the whole output must match (the engine's subset of Python's re syntax). */
    private static GuideSpec regex(Fields f, String name) {
        JsonNode n = f.node(name);
        if (!n.isTextual()) throw f.bad(name, "'" + f.param(name) + "' must be a regular expression (a string), got " + Fields.describe(n) + ".");
        if (n.textValue().length() > MAX_REGEX_CHARS)
            throw f.bad(name, "'" + f.param(name) + "' may be at most " + MAX_REGEX_CHARS + " characters long.");
        return GuideSpec.regex(n.textValue());
    }

    private static GuideSpec choice(Fields f, String name) {
        JsonNode n = f.node(name);
        if (!n.isArray() || n.isEmpty()) throw f.bad(name, "'" + f.param(name) + "' must be a non-empty list of strings.");
        if (n.size() > MAX_CHOICES) throw f.bad(name, "'" + f.param(name) + "' may have at most " + MAX_CHOICES + " choices.");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual() || e.textValue().isEmpty()) throw f.bad(name, "'" + f.param(name) + "' must be a non-empty list of non-empty strings.");
            out.add(e.textValue());
        }
        return GuideSpec.choice(out);
    }

    private static ai.baton.proto.Guide toProto(GuideSpec g) {
        ai.baton.proto.Guide.Builder b = ai.baton.proto.Guide.newBuilder();
        return switch (g.kind()) {
            case JSON_OBJECT -> b.setKind(Kind.JSON_OBJECT).build();
            case JSON_SCHEMA -> b.setKind(Kind.JSON_SCHEMA).setJsonSchema(g.schemaJson()).build();
            case CHOICE -> b.setKind(Kind.CHOICE).addAllChoices(g.choices()).build();
            case REGEX -> b.setKind(Kind.REGEX).setRegex(g.regex()).build();
        };
    }
}
