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
        assertEquals("{\"city\":\"Paris\",\"days\":2}", p.calls().get(0).arguments());
        assertEquals("{\"city\":\"Oslo\",\"days\":2}", p.calls().get(1).arguments());
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

    /** Splits at every position: the content released before the block plus the calls are those of parse(). */
    @Test
    void streamedInAnyPiecesGivesWhatParseGives() {
        String text = "Sure <tool text> first. " + CALL;
        for (int cut = 1; cut < text.length(); cut++) {
            ToolCallStream s = new ToolCallStream();
            String released = s.feed(text.substring(0, cut)) + s.feed(text.substring(cut));
            ToolCallStream.End end = s.finish();
            assertEquals("Sure <tool text> first. ", released + end.content(), "cut " + cut);
            assertEquals(1, end.calls().size(), "cut " + cut);
            assertEquals("get_weather", end.calls().getFirst().name());
        }
        ToolCallStream plain = new ToolCallStream();
        List<String> out = new ArrayList<>();
        for (String piece : new String[]{"Hello <tool", "_cal", "l>{broken", "</tool_call>"}) out.add(plain.feed(piece));
        assertEquals("Hello ", String.join("", out));
        assertEquals("<tool_call>{broken</tool_call>", plain.finish().content(), "a block that is not a call is content after all");
        ToolCallStream tail = new ToolCallStream();
        assertEquals("a ", tail.feed("a <tool_"));
        assertEquals("<tool_", tail.finish().content());
    }
}
