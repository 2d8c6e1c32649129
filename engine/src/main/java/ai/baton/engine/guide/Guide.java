package ai.baton.engine.guide;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A compiled output constraint: an immutable, thread-safe grammar over bytes. Compile once per request (or
 * cache by spec) and {@link #start()} a {@link GuideState} for each sequence that must follow it.
 */
public final class Guide {
    private final GuideSpec spec;
    private final ValueRule root;

    private Guide(GuideSpec spec, ValueRule root) {
        this.spec = spec;
        this.root = root;
    }

    /** Compiles the spec; a schema, choice list or regular expression that cannot be followed throws {@link GuideException}. */
    public static Guide compile(GuideSpec spec) {
        Objects.requireNonNull(spec, "spec");
        ValueRule root = switch (spec.kind()) {
            case JSON_OBJECT -> ObjectRule.ANY;
            case JSON_SCHEMA -> SchemaCompiler.compile(spec.schemaJson());
            case CHOICE -> {
                List<byte[]> choices = new ArrayList<>();
                for (String c : spec.choices()) choices.add(c.getBytes(StandardCharsets.UTF_8));
                yield LiteralRule.of(choices);
            }
            case REGEX -> RegexRule.output(spec.regex(), "regex");
        };
        return new Guide(spec, root);
    }

    public GuideSpec spec() { return spec; }

    /** The state before any output. */
    public GuideState start() {
        return new GuideState(new ParseStack[] {ParseStack.push(new Frame.Value(root), ParseStack.EMPTY)});
    }
}
