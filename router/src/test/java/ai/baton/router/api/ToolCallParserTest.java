package ai.baton.router.api;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hermes-style tool calls (Qwen's chat templates), whole and streamed in pieces. */
class ToolCallParserTest {
    private static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>";

    @Test
    void callsAndTheContentBeforeThem() {
        ToolCallParser.Parsed p = ToolCallParser.parse("Let me check.\n" + CALL + "\n" + CALL.replace("Paris", "Oslo"));
        assertEquals("Let me check.\n", p.content());
        assertEquals(2, p.calls().size());
        assertEquals("get_weather", p.calls().get(0).name());
        // the model's own text of the arguments object (vLLM's json.dumps gives the same for this formatting)
        assertEquals("{\"city\": \"Paris\", \"days\": 2}", p.calls().get(0).arguments());
        assertEquals("{\"city\": \"Oslo\", \"days\": 2}", p.calls().get(1).arguments());
        assertTrue(p.calls().get(0).id().startsWith("chatcmpl-tool-"));
        assertTrue(!p.calls().get(0).id().equals(p.calls().get(1).id()));
    }

    @Test
    void unclosedLastCallStringArgumentsAndNoArguments() {
        assertNull(ToolCallParser.parse(CALL).content());
        assertEquals(1, ToolCallParser.parse(CALL.replace("</tool_call>", "")).calls().size());
        assertEquals("{\"a\": 1}", ToolCallParser.parse("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>").calls().getFirst().arguments());
        assertEquals("{}", ToolCallParser.parse("<tool_call>{\"name\": \"f\"}</tool_call>").calls().getFirst().arguments());
    }

    @Test
    void textThatIsNotACallStaysContent() {
        assertNull(ToolCallParser.parse("no calls here"));
        assertNull(ToolCallParser.parse("<tool_call>not json</tool_call>"));
        assertNull(ToolCallParser.parse("<tool_call>{\"arguments\": {}}</tool_call>"));   // no name
        assertNull(ToolCallParser.parse(CALL + "<tool_call>[1, 2]</tool_call>"));     // one bad block spoils all
    }

    /** One streamed choice as a client assembles it: content, and each call's id, name and arguments by index. */
    private record Assembled(String content, List<String> ids, List<String> names, List<String> args) {}

    private static Assembled stream(String... pieces) {
        ToolCallStream s = new ToolCallStream();
        StringBuilder content = new StringBuilder();
        List<String> ids = new ArrayList<>(), names = new ArrayList<>();
        List<StringBuilder> args = new ArrayList<>();
        List<ToolCallStream.Delta> deltas = new ArrayList<>();
        for (String piece : pieces) {
            ToolCallStream.Update u = s.feed(piece);
            content.append(u.content());
            deltas.addAll(u.calls());
        }
        ToolCallStream.End end = s.finish();
        content.append(end.content());
        deltas.addAll(end.calls());
        for (ToolCallStream.Delta d : deltas) {
            if (d.id() != null) {
                assertEquals(ids.size(), d.index(), "a call starts once, in order");
                ids.add(d.id());
                names.add(d.name());
                args.add(new StringBuilder());
            } else {
                assertTrue(d.index() < ids.size(), "arguments only for a started call");
                assertNull(d.name());
            }
            args.get(d.index()).append(d.arguments());
        }
        return new Assembled(content.toString(), ids, names, args.stream().map(StringBuilder::toString).toList());
    }

    /** Splits at every position: what a client assembles is what parse() gives for the whole text. */
    @Test
    void streamedInAnyPiecesGivesWhatParseGives() {
        String text = "Sure <tool text> first. " + CALL + "\n" + CALL.replace("Paris", "Oslo");
        ToolCallParser.Parsed whole = ToolCallParser.parse(text);
        for (int cut = 1; cut < text.length(); cut++) {
            Assembled a = stream(text.substring(0, cut), text.substring(cut));
            assertEquals("Sure <tool text> first. ", a.content(), "cut " + cut);
            assertEquals(List.of("get_weather", "get_weather"), a.names(), "cut " + cut);
            assertEquals(whole.calls().stream().map(ToolCallParser.ToolCall::arguments).toList(), a.args(), "cut " + cut);
        }
        // character by character, string-valued and missing arguments too
        String odd = "<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call><tool_call>{\"name\": \"g\"}</tool_call>";
        Assembled c = stream(odd.split(""));
        assertEquals(List.of("f", "g"), c.names());
        assertEquals(List.of("{\"a\": 1}", "{}"), c.args());
        assertEquals("", c.content());
    }

    /** The arguments go out as the model writes them, not only at the end. */
    @Test
    void argumentsArriveInPieces() {
        ToolCallStream s = new ToolCallStream();
        assertEquals("", s.feed("<tool_call>\n{\"name\": \"get_wea").content());
        List<ToolCallStream.Delta> first = s.feed("ther\", \"arguments\": {\"city\": \"Pa").calls();
        assertEquals(1, first.size());
        assertEquals("get_weather", first.getFirst().name());
        assertEquals("{\"city\": \"Pa", first.getFirst().arguments());
        assertEquals("ris\"}", s.feed("ris\"}}\n</tool_").calls().getFirst().arguments());
        assertEquals(List.of(), s.feed("call>").calls());
        assertEquals(List.of(), s.finish().calls());
        assertTrue(s.calledTools());
    }

    @Test
    void streamedTextThatIsNotACallStaysContent() {
        Assembled broken = stream("Hello <tool", "_cal", "l>{broken", "</tool_call>");
        assertEquals("Hello <tool_call>{broken</tool_call>", broken.content(), "a block that is not a call is content after all");
        assertEquals(List.of(), broken.ids());
        ToolCallStream tail = new ToolCallStream();
        assertEquals("a ", tail.feed("a <tool_").content());
        assertEquals("<tool_", tail.finish().content());
        assertTrue(!tail.calledTools());
    }
}
