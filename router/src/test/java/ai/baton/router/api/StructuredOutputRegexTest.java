package ai.baton.router.api;

import ai.baton.engine.guide.GuideSpec;
import ai.baton.node.Protos;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spellings of a regular-expression output format, the guide message built from each, and what a node makes of
 * that message again (Protos): the same spec both ways. Bad patterns are 400s naming the parameter and the problem.
 */
class StructuredOutputRegexTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Fields fields(String json) throws Exception { return new Fields((ObjectNode) JSON.readTree(json), ""); }

    @Test
    void everySpellingBecomesTheSameRegexGuideBothWays() throws Exception {
        String pattern = "(yes|no)\\\\. [A-Z][a-z]+\\\\d{2}";
        GuideSpec expected = GuideSpec.regex("(yes|no)\\. [A-Z][a-z]+\\d{2}");
        for (String body : List.of("{\"guided_regex\": \"" + pattern + "\"}", "{\"structured_outputs\": {\"regex\": \"" + pattern + "\"}}")) {
            ai.baton.proto.Guide g = StructuredOutput.openAi(fields(body));
            assertEquals(ai.baton.proto.Guide.Kind.REGEX, g.getKind(), body);
            assertEquals(expected.regex(), g.getRegex());
            assertEquals(expected, Protos.guide(g));
        }
        ObjectNode params = (ObjectNode) JSON.readTree("{\"regex\": \"" + pattern + "\", \"max_new_tokens\": 8}");
        ai.baton.proto.Guide g = StructuredOutput.sglang(new Fields(params, "sampling_params."));
        assertEquals(expected, Protos.guide(g));
        assertNull(StructuredOutput.sglang(new Fields((ObjectNode) JSON.readTree("{\"max_new_tokens\": 8}"), "sampling_params.")));
        // The other kinds still travel as before.
        assertEquals(GuideSpec.choice(List.of("a", "b")), Protos.guide(StructuredOutput.openAi(fields("{\"guided_choice\": [\"a\", \"b\"]}"))));
        assertEquals(GuideSpec.jsonObject(), Protos.guide(StructuredOutput.openAi(fields("{\"response_format\": {\"type\": \"json_object\"}}"))));
    }

    private static ApiException bad(String body) {
        return assertThrows(ApiException.class, () -> StructuredOutput.openAi(fields(body)));
    }

    @Test
    void badRegexesAndUnsupportedFormatsAre400s() throws Exception {
        ApiException e = bad("{\"guided_regex\": \"(a+)\\\\1\"}");
        assertEquals(400, e.status());
        assertEquals("guided_regex", e.param());
        assertEquals("regex: backreference \\1 at offset 4 is not supported", e.getMessage());
        ApiException so = bad("{\"structured_outputs\": {\"regex\": \"a(?=b)\"}}");
        assertEquals("structured_outputs", so.param());
        assertTrue(so.getMessage().contains("lookahead (?= at offset 1"), so.getMessage());
        assertEquals("guided_regex", bad("{\"guided_regex\": 3}").param());
        assertTrue(bad("{\"guided_regex\": [\"a\"]}").getMessage().contains("must be a regular expression (a string)"));
        assertEquals("guided_regex", bad("{\"guided_regex\": \"" + "a".repeat(20_000) + "\"}").param());
        assertTrue(bad("{\"guided_regex\": \"(a|b)*a(a|b){20}\"}").getMessage().contains("regex too complex"));
        assertEquals("guided_regex", bad("{\"guided_choice\": [\"a\"], \"guided_regex\": \"a\"}").param(), "only one format");
        assertEquals("guided_grammar", bad("{\"guided_grammar\": \"root ::= x\"}").param());
        assertEquals("structured_outputs.grammar", bad("{\"structured_outputs\": {\"grammar\": \"root ::= x\"}}").param());
        assertEquals("structured_outputs.structural_tag", bad("{\"structured_outputs\": {\"structural_tag\": {}}}").param());
        ApiException sg = assertThrows(ApiException.class, () -> StructuredOutput.sglang(new Fields((ObjectNode) JSON.readTree("{\"regex\": \"[z-a]\"}"), "sampling_params.")));
        assertEquals("sampling_params.regex", sg.param());
        assertEquals("regex: bad range z-a at offset 1 (its end is below its start)", sg.getMessage());
        ApiException ebnf = assertThrows(ApiException.class, () -> StructuredOutput.sglang(new Fields((ObjectNode) JSON.readTree("{\"ebnf\": \"x\"}"), "sampling_params.")));
        assertEquals("sampling_params.ebnf", ebnf.param());
        ApiException both = assertThrows(ApiException.class, () -> StructuredOutput.sglang(new Fields((ObjectNode) JSON.readTree("{\"json_schema\": \"{}\", \"regex\": \"a\"}"), "sampling_params.")));
        assertEquals(400, both.status());
    }

    @Test
    void aSchemaPatternIsCheckedAtTheRouterToo() throws Exception {
        ApiException e = bad("{\"guided_json\": {\"type\": \"string\", \"pattern\": \"(?<=x)y\"}}");
        assertEquals("guided_json", e.param());
        assertEquals("\"pattern\" at the schema root: lookbehind (?<= at offset 0 is not supported", e.getMessage());
        ai.baton.proto.Guide ok = StructuredOutput.openAi(fields("{\"guided_json\": {\"type\": \"string\", \"format\": \"uuid\"}}"));
        assertEquals(ai.baton.proto.Guide.Kind.JSON_SCHEMA, ok.getKind());
    }
}
