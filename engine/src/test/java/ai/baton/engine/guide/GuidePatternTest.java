package ai.baton.engine.guide;

import static ai.baton.engine.guide.GuideAutomatonTest.invalid;
import static ai.baton.engine.guide.GuideAutomatonTest.schema;
import static ai.baton.engine.guide.GuideAutomatonTest.valid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** JSON schema strings with pattern and format: whole documents taken or refused, and the errors. */
class GuidePatternTest {
    static String error(String schema) {
        return assertThrows(GuideException.class, () -> Guide.compile(GuideSpec.jsonSchema(schema.replace('\'', '"')))).getMessage();
    }

    @Test
    void thePatternMatchesTheWholeDecodedContent() {
        Guide g = schema("{'type':'string','pattern':'^[a-z]+-\\\\d{2}$'}");
        valid(g, "\"ab-12\"", "\"x-00\"");
        invalid(g, "\"ab-1\"", "\"ab-123\"", "\"-12\"", "\"zab-12 \"", "ab-12", "\"AB-12\"", "\"ab-12\" ");
        Guide unanchored = schema("{'pattern':'b'}"); // a search in JSON Schema, a full match here (as xgrammar)
        valid(unanchored, "\"b\"");
        invalid(unanchored, "\"abc\"", "1");
    }

    @Test
    void quotesAndBackslashesAreEscapedOnceControlCharactersNever() {
        Guide g = schema("{'type':'string','pattern':'[a\\\"\\\\\\\\/\\\\s]*'}"); // [a"\\/\s]*
        valid(g, "\"\"", "\"a\\\"a\"", "\"\\\\\"", "\"a/ a\"", "\"\\\"\\\\\"");
        invalid(g, "\"a\"a\"", "\"\\/\"", "\"\\u0061\"", "\"\\n\"", "\"\n\"", "\"\t\"", "\"\\t\"", "\"\\\"");
        GuideState s = g.start();
        assertTrue(s.acceptBytes("\"a\\".getBytes(StandardCharsets.UTF_8)));
        assertFalse(s.canEnd());
        assertFalse(s.copy().acceptBytes(new byte[] {'a'}), "after a backslash only the two escapes");
        assertTrue(s.acceptBytes("\"\"".getBytes(StandardCharsets.UTF_8)));
        assertTrue(s.isComplete());
    }

    @Test
    void nonAsciiContentIsRawUtf8() {
        Guide g = schema("{'type':'string','pattern':'[é😀]{1,2}'}");
        valid(g, "\"é\"", "\"😀é\"");
        invalid(g, "\"\\u00e9\"", "\"\"", "\"ééé\"");
    }

    @Test
    void lengthsCountCodePointsAndCombineWithThePattern() {
        Guide g = schema("{'type':'string','pattern':'[a-z😀\\\"]*','minLength':2,'maxLength':3}");
        valid(g, "\"ab\"", "\"abc\"", "\"😀😀\"", "\"\\\"\\\"\\\"\"", "\"a\\\"😀\"");
        invalid(g, "\"a\"", "\"\"", "\"abcd\"", "\"😀\"", "\"\\\"\\\"\\\"\\\"\"");
        Guide max = schema("{'type':'string','pattern':'(ab)+c?','maxLength':4}");
        valid(max, "\"ab\"", "\"abc\"", "\"abab\"");
        invalid(max, "\"ababc\"", "\"ababab\"");
        GuideState s = max.start();
        assertTrue(s.acceptBytes("\"aba".getBytes(StandardCharsets.UTF_8)));
        assertFalse(s.copy().acceptBytes(new byte[] {'b', 'c'}), "5 characters");
        assertTrue(s.acceptBytes(new byte[] {'b'}));
        assertTrue(s.acceptBytes(new byte[] {'"'}));
        assertTrue(s.isComplete());
        GuideState dead = max.start();
        assertTrue(dead.acceptBytes("\"ab".getBytes(StandardCharsets.UTF_8)));
        assertTrue(dead.acceptBytes("a".getBytes(StandardCharsets.UTF_8)), "abab still fits");
        Guide tight = schema("{'type':'string','pattern':'a{2}b*','maxLength':2}");
        valid(tight, "\"aa\"");
        invalid(tight, "\"aab\"");
        Guide bigMax = schema("{'type':'string','pattern':'[^<>]*','minLength':1,'maxLength':100000}");
        valid(bigMax, "\"x\"", "\"" + "y".repeat(5000) + "\"");
    }

    @Test
    void formatsConstrainStringsAndOnlyStrings() {
        valid(schema("{'type':'string','format':'date'}"), "\"2024-02-29\"", "\"1999-12-31\"");
        invalid(schema("{'type':'string','format':'date'}"), "\"2024-2-29\"", "\"2024-13-01\"", "\"2024-00-10\"", "\"2024-01-32\"", "\"x\"");
        valid(schema("{'type':'string','format':'time'}"), "\"23:59:59Z\"", "\"00:00:00.123+05:30\"");
        invalid(schema("{'type':'string','format':'time'}"), "\"24:00:00Z\"", "\"12:00:00\"", "\"12:60:00Z\"");
        valid(schema("{'type':'string','format':'date-time'}"), "\"2024-05-01T12:30:00Z\"", "\"2024-05-01T12:30:00.5-08:00\"");
        invalid(schema("{'type':'string','format':'date-time'}"), "\"2024-05-01 12:30:00Z\"", "\"2024-05-01T12:30Z\"");
        valid(schema("{'type':'string','format':'uuid'}"), "\"123e4567-e89b-12d3-a456-426614174000\"");
        invalid(schema("{'type':'string','format':'uuid'}"), "\"123e4567e89b12d3a456426614174000\"", "\"123e4567-e89b-12d3-a456-42661417400g\"");
        valid(schema("{'type':'string','format':'ipv4'}"), "\"192.168.0.1\"", "\"255.255.255.255\"", "\"0.0.0.0\"");
        invalid(schema("{'type':'string','format':'ipv4'}"), "\"256.1.1.1\"", "\"01.2.3.4\"", "\"1.2.3\"");
        valid(schema("{'type':'string','format':'ipv6'}"), "\"::1\"", "\"2001:db8::8a2e:370:7334\"", "\"1:2:3:4:5:6:7:8\"", "\"::\"");
        invalid(schema("{'type':'string','format':'ipv6'}"), "\"1:2:3:4:5:6:7:8:9\"", "\"1::2::3\"", "\"12345::\"");
        valid(schema("{'type':'string','format':'email'}"), "\"ada.lovelace+x@example.co.uk\"", "\"o'brien@mail.example.com\"");
        invalid(schema("{'type':'string','format':'email'}"), "\"ada@localhost\"", "\"a..b@example.com\"", "\"@example.com\"", "\"a@-x.com\"");
        valid(schema("{'type':'string','format':'hostname'}"), "\"localhost\"", "\"a-b.example.com\"");
        invalid(schema("{'type':'string','format':'hostname'}"), "\"-a.com\"", "\"a..com\"");
        valid(schema("{'type':'string','format':'color-name'}"), "\"anything\""); // unknown formats are ignored
        valid(schema("{'type':'integer','format':'int32'}"), "7");
        valid(schema("{'format':'date'}"), "3", "\"no date\""); // format alone does not make the value a string
        valid(schema("{'type':['string','null'],'format':'date'}"), "null", "\"2020-01-01\"");
        invalid(schema("{'type':['string','null'],'format':'date'}"), "\"x\"");
        valid(schema("{'$ref':'#/$defs/d','format':'date','$defs':{'d':{'type':'string'}}}"), "\"free\"");
    }

    @Test
    void aPatternAndAFormatMustBothMatch() {
        Guide g = schema("{'type':'string','format':'date','pattern':'^2024-.*'}");
        valid(g, "\"2024-01-31\"");
        invalid(g, "\"2023-01-31\"", "\"2024-x\"");
        assertEquals("\"pattern\" and \"format\" \"date\" at the schema root: no string matches all of them",
                error("{'type':'string','format':'date','pattern':'[a-z]+'}"));
    }

    @Test
    void patternsInsideObjectsArraysAndUnions() {
        Guide g = schema("{'type':'object','properties':{'id':{'type':'string','pattern':'[A-Z]{2}\\\\d{3}'},"
                + "'tags':{'type':'array','items':{'type':'string','pattern':'#\\\\w+'}},"
                + "'when':{'anyOf':[{'type':'string','format':'date'},{'type':'string','pattern':'now|later'}]}},'required':['id']}");
        valid(g, "{\"id\":\"AB123\"}", "{\"id\":\"AB123\",\"tags\":[\"#a\", \"#b_1\"]}", "{\"id\":\"XY000\",\"when\":\"now\"}",
                "{\"id\":\"XY000\",\"when\":\"2020-10-10\"}", "{ \"id\" : \"AB123\" }");
        invalid(g, "{\"id\":\"AB12\"}", "{\"id\":\"AB123\",\"tags\":[\"a\"]}", "{\"id\":\"AB123\",\"when\":\"soon\"}");
    }

    @Test
    void badPatternsAndImpossibleCombinationsAre400s() {
        assertEquals("\"pattern\" at /properties/a: lookahead (?= at offset 1 is not supported",
                error("{'properties':{'a':{'type':'string','pattern':'a(?=b)'}}}"));
        assertEquals("\"pattern\" at the schema root: backreference \\1 at offset 3 is not supported", error("{'pattern':'(a)\\\\1'}"));
        assertEquals("invalid JSON schema: \"pattern\" at the schema root must be a string", error("{'type':'string','pattern':3}"));
        assertEquals("\"pattern\" at the schema root: no string of at most maxLength 2 characters matches",
                error("{'type':'string','pattern':'abc','maxLength':2}"));
        assertEquals("\"pattern\" at the schema root: no string of at least minLength 4 characters matches",
                error("{'type':'string','pattern':'a{1,3}','minLength':4}"));
        assertEquals("\"pattern\" at the schema root: every string the pattern matches has a control character (below U+0020), and those are not generated inside JSON strings",
                error("{'type':'string','pattern':'\\\\n'}"));
        assertTrue(error("{'type':'string','pattern':'[a-z]*','minLength':20000}").contains("regex too complex together with minLength 20000"));
        assertEquals("\"$ref\" next to \"pattern\" at the schema root is not supported",
                error("{'$ref':'#/$defs/a','pattern':'x','$defs':{'a':{}}}"));
    }
}
