package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The automaton byte by byte: whole documents it must take or refuse, and where the output may end. */
class GuideAutomatonTest {
    static Guide schema(String json) { return Guide.compile(GuideSpec.jsonSchema(json.replace('\'', '"'))); }

    static final Guide OBJECT = Guide.compile(GuideSpec.jsonObject());

    /** The whole document is read and the output may end after it. */
    static boolean accepts(Guide guide, String doc) { return accepts(guide, doc.getBytes(StandardCharsets.UTF_8)); }

    static boolean accepts(Guide guide, byte[] doc) {
        GuideState s = guide.start();
        return s.acceptBytes(doc) && s.canEnd();
    }

    /** The document can be read (it may be unfinished). */
    static boolean prefix(Guide guide, String doc) { return guide.start().acceptBytes(doc.getBytes(StandardCharsets.UTF_8)); }

    static void valid(Guide guide, String... docs) {
        for (String d : docs) assertTrue(accepts(guide, d), () -> "should accept: " + d);
    }

    static void invalid(Guide guide, String... docs) {
        for (String d : docs) assertFalse(accepts(guide, d), () -> "should refuse: " + d);
    }

    @Test
    void jsonObjectTakesNestedValuesOfEveryKind() {
        valid(OBJECT, "{}", "{\"a\":1}", "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":\"x\"}", "{\"t\":true,\"f\":false,\"n\":null}",
                "{\"a\":[]}", "{\"a\":[[],[[]]]}", "{\"\":\"\"}", "{\"a\":-0.5e+10}", "{ \"a\" : 1 , \"b\" :\n[ 1 ,2 ] }");
        invalid(OBJECT, "", "[]", "1", "\"a\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
                "{a:1}", "{'a':1}", "{\"a\":[1,]}", "{\"a\":tru}", "{\"a\":True}", "{}x", "{} ", " {}", "{\"a\":1}}");
    }

    @Test
    void stringsTakeEscapesAndRefuseControlCharacters() {
        valid(OBJECT, "{\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"}", "{\"a\":\"é 中文 😀\"}", "{\"a\":\"\u007f\"}");
        invalid(OBJECT, "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"\n\"}", "{\"a\":\"\t\"}", "{\"a\":\"\u0000\"}");
    }

    @Test
    void utf8IsCheckedByteByByteAndMaySplitAnywhere() {
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
        GuideState s = OBJECT.start();
        assertTrue(s.acceptBytes("{\"a\":\"".getBytes(StandardCharsets.UTF_8)));
        for (byte b : smile) assertTrue(s.acceptBytes(new byte[] {b}));
        assertTrue(s.acceptBytes("\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(s.isComplete());

        GuideState mid = OBJECT.start();
        assertTrue(mid.acceptBytes(Arrays.copyOf("{\"a\":\"😀".getBytes(StandardCharsets.UTF_8), 8)));
        assertFalse(mid.copy().acceptBytes(new byte[] {'"'}), "a quote cannot cut a character in half");
        assertFalse(mid.copy().acceptBytes(new byte[] {'x'}));

        for (int[] bad : new int[][] {{0xC0, 0x80}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF5}, {0x80}, {0xFF}}) {
            byte[] doc = new byte[bad.length + 9];
            System.arraycopy("{\"a\":\"".getBytes(StandardCharsets.UTF_8), 0, doc, 0, 6);
            for (int i = 0; i < bad.length; i++) doc[6 + i] = (byte) bad[i];
            doc[6 + bad.length] = '"';
            doc[7 + bad.length] = '}';
            assertFalse(accepts(OBJECT, Arrays.copyOf(doc, 8 + bad.length)), () -> "bad UTF-8 " + Arrays.toString(bad));
        }
    }

    @Test
    void numbersFollowJsonSyntaxWithBoundedDigits() {
        Guide number = schema("{'type':'number'}");
        valid(number, "0", "-0", "1", "-12", "1.5", "0.001", "1e5", "1E+5", "-2.5e-3", "123456789012345", "1.123456789012345", "1e999");
        invalid(number, "", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "0x10", "1234567890123456", "1.1234567890123456", "1e1000", "NaN", " 1");
        Guide integer = schema("{'type':'integer'}");
        valid(integer, "0", "-7", "42");
        invalid(integer, "1.0", "1e3", "-", "00");
    }

    @Test
    void aNumberMayEndOrGoOnSoEosIsAllowedWithoutCompleting() {
        GuideState s = schema("{'type':'integer'}").start();
        assertTrue(s.acceptBytes("12".getBytes(StandardCharsets.UTF_8)));
        assertTrue(s.canEnd());
        assertFalse(s.isComplete());
        GuideState t = schema("{'type':'boolean'}").start();
        assertTrue(t.acceptBytes("true".getBytes(StandardCharsets.UTF_8)));
        assertTrue(t.isComplete());
    }

    @Test
    void propertiesComeInOrderRequiredOnesMandatory() {
        Guide g = schema("{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'string'},'c':{'type':'boolean'}},'required':['b']}");
        valid(g, "{\"b\":\"x\"}", "{\"a\":1,\"b\":\"x\"}", "{\"b\":\"x\",\"c\":true}", "{\"a\":1,\"b\":\"\",\"c\":false}");
        invalid(g, "{}", "{\"a\":1}", "{\"c\":true}", "{\"b\":\"x\",\"a\":1}", "{\"c\":true,\"b\":\"x\"}", "{\"b\":\"x\",\"d\":1}",
                "{\"b\":1}", "{\"b\":\"x\",}", "{\"a\":1,\"a\":1,\"b\":\"x\"}");
        Guide allOptional = schema("{'properties':{'x':{'type':'integer'},'xy':{'type':'integer'}}}");
        valid(allOptional, "{}", "{\"x\":1}", "{\"xy\":2}", "{\"x\":1,\"xy\":2}");
        invalid(allOptional, "{\"xy\":2,\"x\":1}", "{\"z\":1}");
    }

    @Test
    void additionalPropertiesAndFreeObjects() {
        valid(schema("{'type':'object'}"), "{}", "{\"any\":[1,{\"x\":null}]}");
        Guide empty = schema("{'type':'object','additionalProperties':false}");
        valid(empty, "{}", "{ }");
        invalid(empty, "{\"a\":1}");
        Guide map = schema("{'type':'object','additionalProperties':{'type':'integer'}}");
        valid(map, "{}", "{\"a\":1,\"b\":2}");
        invalid(map, "{\"a\":\"x\"}");
        Guide requiredOnly = schema("{'type':'object','required':['id']}");
        valid(requiredOnly, "{\"id\":[true]}");
        invalid(requiredOnly, "{}");
    }

    @Test
    void arraysCountTheirItems() {
        Guide g = schema("{'type':'array','items':{'type':'integer'},'minItems':1,'maxItems':3}");
        valid(g, "[1]", "[1,2]", "[1,2,3]", "[ 1 , 2 ]");
        invalid(g, "[]", "[1,2,3,4]", "[1,]", "[\"a\"]", "[1 2]");
        Guide tuple = schema("{'prefixItems':[{'type':'string'},{'type':'integer'}],'items':false}");
        valid(tuple, "[]", "[\"a\"]", "[\"a\",1]");
        invalid(tuple, "[1]", "[\"a\",1,2]");
        Guide tupleThenAny = schema("{'type':'array','prefixItems':[{'type':'null'}],'minItems':2}");
        valid(tupleThenAny, "[null,{}]", "[null,1,\"x\"]");
        invalid(tupleThenAny, "[null]", "[1,1]");
    }

    @Test
    void enumsConstsAndLiteralTypes() {
        Guide e = schema("{'enum':['red','green',1,12,null,{'a':[1]},true]}");
        valid(e, "\"red\"", "\"green\"", "1", "12", "null", "{\"a\":[1]}", "true");
        invalid(e, "\"blue\"", "\"re\"", "2", "123", "false", "{\"a\": [1]}", "{\"a\":[1 ]}");
        GuideState one = e.start();
        assertTrue(one.acceptBytes("1".getBytes(StandardCharsets.UTF_8)));
        assertTrue(one.canEnd());
        assertFalse(one.isComplete(), "12 may still follow");
        valid(schema("{'const':'x'}"), "\"x\"");
        invalid(schema("{'const':'x'}"), "\"y\"");
        Guide typedEnum = schema("{'type':'string','enum':['a',1]}");
        valid(typedEnum, "\"a\"");
        invalid(typedEnum, "1");
        valid(schema("{'type':['boolean','null']}"), "true", "false", "null");
        invalid(schema("{'type':['boolean','null']}"), "0", "\"true\"");
    }

    @Test
    void anyOfOneOfAndTypeArraysFollowEveryAlternative() {
        Guide g = schema("{'anyOf':[{'type':'string','maxLength':2},{'type':'string','minLength':4},{'type':'integer'}]}");
        valid(g, "\"\"", "\"ab\"", "\"abcd\"", "\"abcdef\"", "7");
        invalid(g, "\"abc\"", "1.5", "null");
        Guide o = schema("{'oneOf':[{'type':'object','properties':{'a':{'type':'integer'}},'required':['a']},{'type':'object','properties':{'b':{'type':'null'}},'required':['b']}]}");
        valid(o, "{\"a\":1}", "{\"b\":null}");
        invalid(o, "{\"a\":null}", "{\"b\":1}", "{}");
        Guide nullable = schema("{'type':['string','null'],'maxLength':1}");
        valid(nullable, "null", "\"a\"");
        invalid(nullable, "\"ab\"");
        valid(schema("{'allOf':[{'type':'integer'}],'description':'x'}"), "3");
    }

    @Test
    void stringLengthsCountCodePoints() {
        Guide g = schema("{'type':'string','minLength':2,'maxLength':3}");
        valid(g, "\"ab\"", "\"abc\"", "\"中文\"", "\"😀😀😀\"", "\"\\n\\u0041\"", "\"a\\\"b\"");
        invalid(g, "\"a\"", "\"abcd\"", "\"😀\"", "\"中文字符\"", "\"\"");
    }

    @Test
    void refsRecurseThroughTheStack() {
        Guide tree = schema("{'$defs':{'node':{'type':'object','properties':{'v':{'type':'integer'},'kids':{'type':'array','items':{'$ref':'#/$defs/node'}}},'required':['v']}},'$ref':'#/$defs/node'}");
        valid(tree, "{\"v\":1}", "{\"v\":1,\"kids\":[]}", "{\"v\":1,\"kids\":[{\"v\":2},{\"v\":3,\"kids\":[{\"v\":4}]}]}");
        invalid(tree, "{\"v\":1,\"kids\":[{}]}", "{\"v\":1,\"kids\":[{\"v\":\"x\"}]}");
        Guide list = schema("{'definitions':{'l':{'anyOf':[{'type':'null'},{'type':'object','properties':{'head':{'type':'integer'},'tail':{'$ref':'#/definitions/l'}},'required':['head','tail']}]}},'$ref':'#/definitions/l'}");
        valid(list, "null", "{\"head\":1,\"tail\":{\"head\":2,\"tail\":null}}");
        Guide self = schema("{'type':'array','items':{'$ref':'#'}}");
        valid(self, "[]", "[[],[[]]]");
        invalid(self, "[1]");
    }

    @Test
    void nestingStopsAtTheDepthLimit() {
        String deep = "[".repeat(ByteAutomaton.MAX_DEPTH - 1) + "]".repeat(ByteAutomaton.MAX_DEPTH - 1);
        valid(OBJECT, "{\"a\":" + deep + "}");
        invalid(OBJECT, "{\"a\":[" + deep + "]}");
    }

    @Test
    void whitespaceRunsAreBounded() {
        String ws = " ".repeat(ByteAutomaton.MAX_WHITESPACE);
        String tooMuch = " ".repeat(ByteAutomaton.MAX_WHITESPACE + 1);
        valid(OBJECT, "{" + ws + "\"a\"" + ws + ":" + ws + "1" + ws + "," + ws + "\"b\":[" + ws + "2" + ws + "]" + ws + "}", "{\n\t\"a\":\r\n1}");
        invalid(OBJECT, "{" + tooMuch + "\"a\":1}", "{\"a\"" + tooMuch + ":1}", "{\"a\":" + tooMuch + "1}", "{\"a\":1" + tooMuch + "}",
                "{\"a\":[1" + tooMuch + "]}", "{\"a\":1}\n", " {\"a\":1}", "{\"a\":1 2}", "{\"a\":t rue}", "{\"a\" :\u00a0 1}");
    }

    @Test
    void choicesMatchExactlyAndHandlePrefixes() {
        Guide g = Guide.compile(GuideSpec.choice(List.of("a", "ab", "yes", "中")));
        valid(g, "a", "ab", "yes", "中");
        invalid(g, "", "b", "abc", "ye", "yes ", "\"a\"");
        GuideState s = g.start();
        assertFalse(s.canEnd());
        assertTrue(s.acceptBytes(new byte[] {'a'}));
        assertTrue(s.canEnd());
        assertFalse(s.isComplete());
        assertTrue(s.acceptBytes(new byte[] {'b'}));
        assertTrue(s.isComplete());
        assertTrue(Guide.compile(GuideSpec.choice(List.of(""))).start().isComplete());
    }

    @Test
    void emptySchemaAndTrueAreAnyValue() {
        for (Guide g : List.of(schema("{}"), schema("true"), schema("{'description':'anything'}"))) {
            valid(g, "1", "\"s\"", "null", "[1,{}]", "{\"a\":false}");
            invalid(g, "", "nul", "[1,]");
        }
    }

    @Test
    void aRefusedByteLeavesTheStateAsItWas() {
        GuideState s = OBJECT.start();
        assertTrue(s.acceptBytes("{\"a\":".getBytes(StandardCharsets.UTF_8)));
        assertFalse(s.acceptBytes("1}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(s.acceptBytes("2}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(s.isComplete());
        GuideState c = OBJECT.start();
        GuideState d = c.copy();
        assertTrue(c.acceptBytes(new byte[] {'{'}));
        assertFalse(d.acceptBytes(new byte[] {'}'}), "a copy does not see later input");
        assertEquals(1, c.readings());
    }
}
