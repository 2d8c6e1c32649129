package ai.baton.router.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Thinking split from the answer as vLLM's qwen3 reasoning parser does, whole and streamed in any two pieces. */
class ReasoningSplitTest {
    @Test
    void wholeAnswers() {
        ReasoningSplit.Parts p = ReasoningSplit.split("<think>\nThe user wants x.\n</think>\n\nHere is x.");
        assertEquals("\nThe user wants x.\n", p.reasoning());
        assertEquals("\n\nHere is x.", p.content());
        assertEquals("no open tag", ReasoningSplit.split("no open tag</think>rest").reasoning());
        ReasoningSplit.Parts none = ReasoningSplit.split("Just an answer <think> without an end");
        assertNull(none.reasoning());
        assertEquals("Just an answer <think> without an end", none.content());
    }

    @Test
    void streamedInAnyTwoPiecesGivesTheWholeSplit() {
        String text = "<think>\nHmm, </thin k> not yet.\n</think>\n\nThe answer.";
        ReasoningSplit.Parts whole = ReasoningSplit.split(text);
        for (int cut = 0; cut <= text.length(); cut++) {
            ReasoningSplit s = new ReasoningSplit();
            StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
            for (ReasoningSplit.Parts p : new ReasoningSplit.Parts[]{s.feed(text.substring(0, cut)), s.feed(text.substring(cut)), s.finish()}) {
                reasoning.append(p.reasoning());
                content.append(p.content());
            }
            assertEquals(whole.reasoning(), reasoning.toString(), "cut " + cut);
            assertEquals(whole.content(), content.toString(), "cut " + cut);
        }
        ReasoningSplit plain = new ReasoningSplit();
        assertEquals("Plain", plain.feed("Plain").content());
        assertEquals(" answer", plain.feed(" answer").content());
        ReasoningSplit open = new ReasoningSplit();
        assertEquals("", open.feed("<thi").content(), "undecided while the text may still open a think block");
        assertEquals("still thinking", open.feed("nk>still thinking").reasoning());
        assertEquals("", open.finish().content(), "an unclosed think block streams as reasoning, as vLLM's does");
    }
}
