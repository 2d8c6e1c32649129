package ai.baton.router.api;

import ai.baton.engine.guide.GuideSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tool_choice "required" streamed: the guided JSON array fed one character at a time, in random pieces and whole; each
 * call's first delta carries its id and name, and its argument pieces add up to the raw text of its parameters, which
 * is also what the one-shot answer ({@link ForcedToolCall#calls}) holds.
 */
class RequiredToolCallStreamTest {
    private static final ForcedToolCall REQUIRED = new ForcedToolCall(null, GuideSpec.jsonSchema("{}"));

    /** One call as the client puts it together from the deltas. */
    record Call(String id, String name, String arguments, int deltas) {}

    /** What a stream sent for one output: the calls in index order, the content at the end, and madeCalls. */
    record Streamed(List<Call> calls, String content, boolean madeCalls) {}

    /** Feeds the pieces and checks OpenAI's delta shape: ids and names once, first, and calls started in index order. */
    private static Streamed stream(List<String> pieces) {
        RequiredToolCallStream s = new RequiredToolCallStream();
        Map<Integer, Call> calls = new LinkedHashMap<>();
        List<ToolCallStream.Delta> all = new ArrayList<>();
        for (String p : pieces) {
            List<ToolCallStream.Delta> ds = s.feed(p);
            assertEquals(ds.stream().map(ToolCallStream.Delta::index).distinct().count(), ds.size(), "one delta per call per feed");
            all.addAll(ds);
        }
        ToolCallStream.End end = s.finish();
        all.addAll(end.calls());
        for (ToolCallStream.Delta d : all) {
            Call c = calls.get(d.index());
            if (c == null) {
                assertEquals(calls.size(), d.index(), "calls start in index order");
                assertNotNull(d.id(), "a call's first delta has its id");
                assertTrue(d.id().startsWith("chatcmpl-tool-"), d.id());
                assertNotNull(d.name(), "a call's first delta has its name");
                calls.put(d.index(), new Call(d.id(), d.name(), d.arguments(), 1));
            } else {
                assertNull(d.id(), "the id comes once");
                assertNull(d.name(), "the name comes once");
                calls.put(d.index(), new Call(c.id(), c.name(), c.arguments() + d.arguments(), c.deltas() + 1));
            }
        }
        return new Streamed(List.copyOf(calls.values()), end.content(), s.madeCalls());
    }

    private static List<String> byChar(String text) { return text.chars().mapToObj(c -> String.valueOf((char) c)).toList(); }

    private static Function<String, List<String>> randomPieces(long seed) {
        return text -> {
            Random r = new Random(seed);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < text.length(); ) {
                int n = Math.min(text.length() - i, r.nextInt(7));  // empty pieces too, as a token may add no text
                out.add(text.substring(i, i + n));
                i += n;
            }
            return out;
        };
    }

    /** Every way of cutting the text into pieces that the tests use. */
    private static List<Function<String, List<String>>> splits() {
        List<Function<String, List<String>>> out = new ArrayList<>();
        out.add(RequiredToolCallStreamTest::byChar);
        out.add(List::of);
        for (long seed = 1; seed <= 20; seed++) out.add(randomPieces(seed));
        return out;
    }

    /**
     * A whole output, cut every way: the calls stream with exactly {@code expected} (name, raw arguments text), the
     * same as the one-shot answer, and finish with "tool_calls".
     */
    private static void assertStreams(String text, String... expected) {
        List<String[]> want = new ArrayList<>();
        for (int i = 0; i < expected.length; i += 2) want.add(new String[]{expected[i], expected[i + 1]});
        List<ToolCallParser.ToolCall> oneShot = REQUIRED.calls(text);
        assertEquals(want.size(), oneShot.size(), "one-shot calls of " + text);
        for (int k = 0; k < want.size(); k++) {
            assertEquals(want.get(k)[0], oneShot.get(k).name());
            assertEquals(want.get(k)[1], oneShot.get(k).arguments(), "one-shot arguments are the raw parameters text");
        }
        for (Function<String, List<String>> split : splits()) {
            Streamed s = stream(split.apply(text));
            assertEquals("", s.content(), "no content once calls are made");
            assertTrue(s.madeCalls());
            assertEquals(want.size(), s.calls().size(), text);
            for (int k = 0; k < want.size(); k++) {
                assertEquals(want.get(k)[0], s.calls().get(k).name());
                assertEquals(want.get(k)[1], s.calls().get(k).arguments(), "streamed pieces add up to the raw parameters text");
            }
        }
        assertEquals(want.size(), stream(byChar(text)).calls().stream().map(Call::id).distinct().count(), "each call its own id");
    }

    @Test
    void oneCall() {
        assertStreams("[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}]",
                "get_weather", "{\"city\": \"Paris\", \"days\": 3}");
    }

    @Test
    void twoCalls() {
        assertStreams("[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\", \"days\": 1}}, {\"name\": \"get_time\", \"parameters\": {\"utc\": true}}]",
                "get_weather", "{\"city\": \"Oslo\", \"days\": 1}", "get_time", "{\"utc\": true}");
    }

    /** Brackets, quotes, commas and backslashes inside strings do not end the arguments; nested values do not either. */
    @Test
    void nestedParametersWithTrickyStrings() {
        String args = "{\"q\": \"a}b]c\\\"d,e\\\\\", \"list\": [1, {\"x\": \"]}\\\\\\\"\"}, [], -2.5e3], \"o\": {\"p\": {\"q\": null}},"
                + " \"u\": \"\\u00e9\\\"}\\n\", \"t\": \"\\\\\"}";
        assertStreams("[{\"name\": \"f\", \"parameters\": " + args + "}, {\"name\": \"g\", \"parameters\": {\"k\": \"[{\"}}]",
                "f", args, "g", "{\"k\": \"[{\"}");
    }

    /** Whitespace and newlines wherever JSON allows them: the arguments keep theirs, and lose what is outside them. */
    @Test
    void whitespaceBetweenTokens() {
        String text = "\n [ \n{ \t\"name\" :\n \"f\" ,\r\n \"parameters\"\n:\n  {\n  \"a\" : [ 1 , 2 ] ,\n\t\"b\":\"x y\"\n }\n}\n ,\n{\"name\":\"g\",\"parameters\":{ }  } ]";
        assertStreams(text, "f", "{\n  \"a\" : [ 1 , 2 ] ,\n\t\"b\":\"x y\"\n }", "g", "{ }");
    }

    @Test
    void emptyParameters() {
        assertStreams("[{\"name\": \"now\", \"parameters\": {}}]", "now", "{}");
    }

    /** "parameters" before "name": held until the name closes, then sent with the call's first delta. */
    @Test
    void parametersBeforeName() {
        String text = "[{\"parameters\": {\"a\": [1, \"}\"]}, \"name\": \"f\"}, {\"name\": \"g\", \"parameters\": {\"b\": 2}}]";
        assertStreams(text, "f", "{\"a\": [1, \"}\"]}", "g", "{\"b\": 2}");
        Streamed s = stream(byChar(text));
        assertEquals(1, s.calls().getFirst().deltas(), "the held arguments go out with the first delta");
        assertEquals("{\"a\": [1, \"}\"]}", s.calls().getFirst().arguments());
    }

    /** Keys and names with escapes are decoded; values that are not objects are taken raw, as written. */
    @Test
    void escapedNamesAndScalarParameters() {
        assertStreams("[{\"n\\u0061me\": \"g\\u00e9t\\\"x\\\\\", \"parameters\": 12.50}, {\"name\": \"h\", \"para\\u006deters\": \"a\\\"b\"},"
                        + " {\"name\": \"i\", \"parameters\": true }, {\"name\": \"j\", \"parameters\": [1, {\"a\": \"]\"}]}]",
                "g\u00e9t\"x\\", "12.50", "h", "\"a\\\"b\"", "i", "true", "j", "[1, {\"a\": \"]\"}]");
    }

    /** Elements that are not objects, or have no string name, make no call; one without parameters gets "{}". */
    @Test
    void elementsThatMakeNoCall() {
        assertStreams("[1, \"x\", [{\"name\": \"no\"}], {\"name\": 2, \"parameters\": {}}, {\"name\": \"f\"}, {\"other\": {\"name\": \"no\"}, \"name\": \"g\", \"parameters\": {}}]",
                "f", "{}", "g", "{}");
    }

    /** The arguments go out as they are written: a delta per character fed, the first one as soon as the name closes. */
    @Test
    void streamsAsItGoes() {
        String head = "[{\"name\": \"get_weather\"", args = "{\"city\": \"Paris\"}";
        RequiredToolCallStream s = new RequiredToolCallStream();
        for (char c : head.substring(0, head.length() - 1).toCharArray()) assertEquals(List.of(), s.feed(String.valueOf(c)));
        List<ToolCallStream.Delta> first = s.feed("\"");
        assertEquals(1, first.size());
        assertEquals("get_weather", first.getFirst().name());
        assertEquals("", first.getFirst().arguments());
        assertEquals(List.of(), s.feed(", \"parameters\": "));
        for (char c : args.toCharArray())
            assertEquals(List.of(new ToolCallStream.Delta(0, null, null, String.valueOf(c))), s.feed(String.valueOf(c)));
        assertEquals(List.of(), s.feed("}"));
        assertFalse(s.madeCalls(), "not before the array closes");
        assertEquals(List.of(), s.feed("]"));
        assertTrue(s.madeCalls());
        assertEquals(new ToolCallStream.End("", List.of()), s.finish());
    }

    /**
     * Cut off anywhere (max_tokens): the calls whose names closed have been sent, with the arguments written so far; if
     * none had, the text comes back as content; never "tool_calls".
     */
    @Test
    void cutOffAnywhere() {
        String text = "[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"O}\\\"slo\", \"days\": [1]}}, {\"parameters\": {\"utc\": true}, \"name\": \"get_time\"}]";
        String args0 = "{\"city\": \"O}\\\"slo\", \"days\": [1]}", args1 = "{\"utc\": true}";
        int name0 = text.indexOf("get_weather\"") + "get_weather\"".length(), name1 = text.indexOf("get_time\"") + "get_time\"".length();
        int args0At = text.indexOf(args0);
        for (int cut = 0; cut < text.length(); cut++) {
            String prefix = text.substring(0, cut);
            for (Function<String, List<String>> split : List.<Function<String, List<String>>>of(RequiredToolCallStreamTest::byChar, randomPieces(cut))) {
                Streamed s = stream(split.apply(prefix));
                assertFalse(s.madeCalls(), prefix);
                int calls = cut >= name1 ? 2 : cut >= name0 ? 1 : 0;
                assertEquals(calls, s.calls().size(), prefix);
                assertEquals(calls == 0 ? prefix : "", s.content(), prefix);
                if (calls >= 1) {
                    String sent = prefix.substring(Math.min(prefix.length(), args0At), Math.min(prefix.length(), args0At + args0.length()));
                    assertEquals(sent, s.calls().get(0).arguments(), prefix);
                }
                if (calls == 2) assertEquals(args1, s.calls().get(1).arguments(), prefix);
            }
            assertEquals(List.of(), REQUIRED.calls(prefix), "one-shot: no calls from a cut-off output");
        }
    }

    /** Text that is not a call array never makes a call: it is content at the end. */
    @Test
    void notACallArray() {
        for (String text : List.of("[]", "{\"name\": \"f\", \"parameters\": {}}", "sorry", "")) {
            for (Function<String, List<String>> split : splits()) {
                Streamed s = stream(split.apply(text));
                assertEquals(List.of(), s.calls(), text);
                assertEquals(text, s.content());
                assertFalse(s.madeCalls());
            }
            assertEquals(List.of(), REQUIRED.calls(text));
        }
    }
}
