package ai.baton.engine.guide;

import java.util.List;
import java.util.Objects;

/**
 * What a request asks its output to be: any JSON object, a value matching a JSON schema, exactly one of a list of
 * strings, or text that fully matches a regular expression. {@code schemaJson} is set only for JSON_SCHEMA,
 * {@code choices} only for CHOICE, {@code regex} only for REGEX.
 */
public record GuideSpec(Kind kind, String schemaJson, List<String> choices, String regex) {
    public enum Kind { JSON_OBJECT, JSON_SCHEMA, CHOICE, REGEX }

    public GuideSpec {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.JSON_SCHEMA && schemaJson == null) throw new GuideException("a JSON schema guide needs a schema");
        if (kind == Kind.CHOICE && (choices == null || choices.isEmpty())) throw new GuideException("a choice guide needs at least one choice");
        if (kind == Kind.REGEX && regex == null) throw new GuideException("a regex guide needs a regular expression");
        if (kind != Kind.JSON_SCHEMA) schemaJson = null;
        if (kind != Kind.REGEX) regex = null;
        if (kind == Kind.CHOICE) {
            for (String c : choices) if (c == null) throw new GuideException("a choice guide cannot have a null choice");
            choices = List.copyOf(choices);
        } else {
            choices = null;
        }
    }

    public static GuideSpec jsonObject() { return new GuideSpec(Kind.JSON_OBJECT, null, null, null); }

    public static GuideSpec jsonSchema(String schemaJson) { return new GuideSpec(Kind.JSON_SCHEMA, schemaJson, null, null); }

    public static GuideSpec choice(List<String> choices) { return new GuideSpec(Kind.CHOICE, null, choices, null); }

    /** The whole output must match the regular expression (the subset described in the guide package). */
    public static GuideSpec regex(String regex) { return new GuideSpec(Kind.REGEX, null, null, regex); }
}
