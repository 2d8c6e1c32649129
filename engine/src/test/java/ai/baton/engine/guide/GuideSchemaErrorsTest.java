package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Schemas the compiler must refuse, each with one clear sentence. */
class GuideSchemaErrorsTest {
    static String error(String schema) {
        return assertThrows(GuideException.class, () -> Guide.compile(GuideSpec.jsonSchema(schema.replace('\'', '"')))).getMessage();
    }

    @Test
    void unsupportedKeywordsAreNamedWithTheirPointer() {
        assertEquals("unsupported JSON schema keyword \"patternProperties\" at /properties/a",
                error("{'type':'object','properties':{'a':{'type':'object','patternProperties':{}}}}"));
        assertEquals("unsupported JSON schema keyword \"multipleOf\" at the schema root", error("{'type':'integer','multipleOf':3}"));
        assertEquals("unsupported JSON schema keyword \"not\" at /items", error("{'type':'array','items':{'not':{}}}"));
        assertEquals("unsupported JSON schema keyword \"if\" at /$defs/x", error("{'$defs':{'x':{'if':{}}},'$ref':'#/$defs/x'}"));
        assertEquals("unsupported JSON schema keyword \"then\" at /properties/a~1b", error("{'properties':{'a/b':{'then':{}}}}"));
    }

    @Test
    void invalidSchemasSaySo() {
        assertEquals("invalid JSON schema: unknown type \"text\" at the schema root", error("{'type':'text'}"));
        assertEquals(true, error("{'type':").startsWith("invalid JSON schema: "));
        assertEquals("invalid JSON schema: \"$ref\" \"#/$defs/missing\" at the schema root points to nothing", error("{'$ref':'#/$defs/missing'}"));
        assertEquals("unsupported \"$ref\" \"http://x/y.json\" at /properties/a (only local references such as #/$defs/name)",
                error("{'properties':{'a':{'$ref':'http://x/y.json'}}}"));
        assertEquals("invalid JSON schema: \"minLength\" at the schema root must be a non-negative integer", error("{'type':'string','minLength':-1}"));
        assertEquals("invalid JSON schema: expected an object or a boolean at /properties/a", error("{'properties':{'a':3}}"));
    }

    @Test
    void unsatisfiableAndUnsupportedCombinations() {
        assertEquals("the string schema at the schema root allows no value (minLength > maxLength)", error("{'type':'string','minLength':3,'maxLength':2}"));
        assertEquals("the array schema at the schema root allows no value (minItems is more than the items allowed)", error("{'minItems':3,'maxItems':1}"));
        assertEquals("\"allOf\" with more than one member at the schema root is not supported", error("{'allOf':[{},{}]}"));
        assertEquals("\"anyOf\" next to \"type\" at the schema root is not supported", error("{'type':'string','anyOf':[{},{}]}"));
        assertEquals("the schema false at /properties/a allows no value", error("{'properties':{'a':false}}"));
        assertEquals("the \"$ref\" to /$defs/a refers to itself without any content in between", error("{'$defs':{'a':{'anyOf':[{'$ref':'#/$defs/a'},{'type':'null'}]}},'$ref':'#/$defs/a'}"));
        assertEquals("\"enum\"/\"const\" at the schema root allows no value", error("{'type':'string','enum':[1,2]}"));
        assertEquals("required property \"b\" at the schema root is not in \"properties\" and additional properties are not allowed",
                error("{'properties':{'a':{}},'required':['b'],'additionalProperties':false}"));
    }

    @Test
    void badSpecsAreRefusedToo() {
        assertThrows(GuideException.class, () -> GuideSpec.choice(List.of()));
        assertThrows(GuideException.class, () -> GuideSpec.jsonSchema(null));
    }
}
