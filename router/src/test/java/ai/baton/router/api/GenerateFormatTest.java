package ai.baton.router.api;

import ai.baton.proto.Sampling;
import ai.baton.proto.TokenLogprob;
import ai.baton.router.dispatch.GenRequest;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SGLang's logprob lists in /generate's meta_info, from given node logprobs: which prompt positions, in what shape. */
class GenerateFormatTest {
    private static final int[] PROMPT = {785, 3100, 374, 6303, 13};

    private static GenerateFormat format(int logprobs, int start, boolean text, boolean stream) {
        GenRequest g = new GenRequest("gen-x", PROMPT, Sampling.getDefaultInstance(), System.nanoTime());
        return new GenerateFormat(new ApiRequest(Endpoint.GENERATE, g, stream, false, logprobs, 1).withSglangLogprobs(start, text),
                TestRouter.model());
    }

    /** The nodes' prompt logprobs: prompt positions 1 .. n-1, position p with logprob -p and alternatives 7 and 8. */
    private static List<TokenLogprob> promptLps() {
        List<TokenLogprob> out = new java.util.ArrayList<>();
        for (int p = 1; p < PROMPT.length; p++)
            out.add(TokenLogprob.newBuilder().setToken(PROMPT[p]).setLogprob(-p).addTopIds(7).addTopLogprobs(-0.5f)
                    .addTopIds(8).addTopLogprobs(-1.5f).setRank(3).build());
        return out;
    }

    private static final List<TokenLogprob> OUT = List.of(TokenLogprob.newBuilder().setToken(11).setLogprob(-0.25f)
            .addTopIds(11).addTopLogprobs(-0.25f).addTopIds(12).addTopLogprobs(-2f).build());

    private static JsonNode full(GenerateFormat f) {
        return f.full(List.of(new ResponseFormat.Choice("x", List.of(11), OUT, "length", promptLps())), new Usage(PROMPT.length, 1, 0))
                .path("meta_info");
    }

    private static String text(int id) { return TestRouter.model().tokenizer().decode(new int[]{id}); }

    @Test
    void fromPositionZeroEveryPromptTokenTheFirstNull() {
        JsonNode m = full(format(2, 0, false, false));
        JsonNode in = m.path("input_token_logprobs"), top = m.path("input_top_logprobs");
        assertEquals(PROMPT.length, in.size(), m.toString());
        assertEquals(PROMPT.length, top.size());
        assertEquals("[null," + PROMPT[0] + ",null]", in.get(0).toString());
        assertTrue(top.get(0).isNull());
        for (int p = 1; p < PROMPT.length; p++) {
            assertEquals("[" + (double) -p + "," + PROMPT[p] + ",null]", in.get(p).toString(), "position " + p);
            assertEquals("[[-0.5,7,null],[-1.5,8,null]]", top.get(p).toString(), "position " + p);
        }
        assertEquals("[[-0.25,11,null]]", m.path("output_token_logprobs").toString());
        assertEquals("[[[-0.25,11,null],[-2.0,12,null]]]", m.path("output_top_logprobs").toString());
    }

    @Test
    void fromALaterPositionTheRestTheFirstNullAsInSglang() {
        JsonNode m = full(format(0, 2, false, false));
        JsonNode in = m.path("input_token_logprobs");
        assertEquals(PROMPT.length - 2, in.size(), m.toString());
        assertEquals("[null," + PROMPT[2] + ",null]", in.get(0).toString());
        assertEquals("[-3.0," + PROMPT[3] + ",null]", in.get(1).toString(), "prompt position 3 is the nodes' entry 2");
        assertEquals("[-4.0," + PROMPT[4] + ",null]", in.get(2).toString());
        JsonNode top = m.path("input_top_logprobs");
        assertEquals(PROMPT.length - 2, top.size());
        assertTrue(top.get(0).isNull());
        assertEquals(2, top.get(1).size(), "the nodes' alternatives, as for the output tokens");
    }

    @Test
    void textInLogprobsDecodesEveryEntry() {
        JsonNode m = full(format(2, 0, true, false));
        assertEquals(text(PROMPT[0]), m.path("input_token_logprobs").get(0).get(2).asText());
        assertEquals(text(PROMPT[4]), m.path("input_token_logprobs").get(4).get(2).asText());
        assertEquals(text(8), m.path("input_top_logprobs").get(1).get(1).get(2).asText());
        assertEquals(text(11), m.path("output_token_logprobs").get(0).get(2).asText());
        assertEquals(text(12), m.path("output_top_logprobs").get(0).get(1).get(2).asText());
    }

    @Test
    void withoutAStartTheInputListsAreEmptyAndWithoutLogprobsAbsent() {
        JsonNode m = full(format(1, -1, false, false));
        assertEquals("[]", m.path("input_token_logprobs").toString());
        assertEquals("[]", m.path("input_top_logprobs").toString());
        assertEquals(1, m.path("output_token_logprobs").size());
        JsonNode none = full(format(-1, -1, false, false));
        assertFalse(none.has("input_token_logprobs"));
        assertFalse(none.has("output_token_logprobs"));
    }

    @Test
    void streamedChunksCarryThePromptLogprobsOnceKnown() {
        GenerateFormat f = format(2, 1, false, true);
        assertNull(f.streamPrompt(0, promptLps()), "no chunk of its own");
        JsonNode first = f.streamDelta(0, "x", List.of(11), OUT).path("meta_info");
        assertEquals(PROMPT.length - 1, first.path("input_token_logprobs").size(), first.toString());
        assertTrue(first.path("input_token_logprobs").get(0).get(0).isNull());
        assertEquals(-2.0, first.path("input_token_logprobs").get(1).get(0).asDouble());
        JsonNode last = f.streamFinish(0, "length", new Usage(PROMPT.length, 1, 0)).path("meta_info");
        assertEquals(first.path("input_token_logprobs"), last.path("input_token_logprobs"));
        assertEquals(1, last.path("output_token_logprobs").size());
    }
}
