package ai.baton.engine;

import ai.baton.engine.guide.GuideSpec;
import ai.baton.engine.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Structured outputs through the whole engine on the text fixture (real Qwen3 tokenizer, random weights, so the model
 * itself would never write JSON): every output the guide lets through is what the request asked for, greedy and
 * sampled, collocated and handed over after a one-token prefill.
 */
class GuidedDecodingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = """
            {"type": "object", "properties": {"ok": {"type": "boolean"}, "n": {"type": "integer"},
             "colour": {"enum": ["red", "green", "blue"]}}, "required": ["ok", "n", "colour"], "additionalProperties": false}""";
    private static LlmEngine engine;

    @BeforeAll
    static void open() { engine = TextFixtureEngine.open(); }

    @AfterAll
    static void close() { engine.close(); }

    private static Collector run(SamplingParams p) { return TextFixtureEngine.run(engine, p); }

    private static void assertConforms(Collector c) throws Exception {
        assertEquals(FinishReason.STOP, c.finish(), "ended by EOS once the object was complete: " + c.text());
        JsonNode o = JSON.readTree(c.text());
        assertTrue(o.isObject(), c.text());
        assertEquals(Set.of("ok", "n", "colour"), Set.copyOf(iterable(o)), c.text());
        assertTrue(o.get("ok").isBoolean(), c.text());
        assertTrue(o.get("n").isIntegralNumber(), c.text());
        assertTrue(List.of("red", "green", "blue").contains(o.get("colour").asText()), c.text());
    }

    private static List<String> iterable(JsonNode o) {
        List<String> names = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void greedyAndSampledOutputsMatchTheSchema() throws Exception {
        assertConforms(run(SamplingParams.greedy(96).withGuide(GuideSpec.jsonSchema(SCHEMA))));
        for (long seed = 1; seed <= 8; seed++)
            assertConforms(run(new SamplingParams(1.0, 1, 0, 0, seed, 96, List.of(), List.of(), false, -1).withGuide(GuideSpec.jsonSchema(SCHEMA))));
    }

    @Test
    void choiceOutputsAreOneOfTheChoices() {
        List<String> choices = List.of("yes", "no", "maybe so");
        for (long seed = 1; seed <= 6; seed++) {
            Collector c = run(new SamplingParams(1.0, 1, 0, 0, seed, 16, List.of(), List.of(), false, 2).withGuide(GuideSpec.choice(choices)));
            assertEquals(FinishReason.STOP, c.finish());
            assertTrue(choices.contains(c.text()), c.text());
        }
    }

    /** min_tokens masks EOS, but a finished value still ends the output (nothing else could follow it). */
    @Test
    void aFinishedValueEndsTheOutputBeforeMinTokens() {
        Collector c = run(SamplingParams.greedy(16).withMinTokens(12).withGuide(GuideSpec.choice(List.of("yes", "no"))));
        assertEquals(FinishReason.STOP, c.finish(), c.outputs.getLast().toString());
        assertTrue(List.of("yes", "no").contains(c.text()), c.text());
    }

    @Test
    void aJsonObjectIsAnObjectWhenItEnds() throws Exception {
        Collector c = run(SamplingParams.greedy(200).withGuide(GuideSpec.jsonObject()));
        assertTrue(c.text().startsWith("{"), c.text());
        if (c.finish() == FinishReason.STOP) assertTrue(JSON.readTree(c.text()).isObject(), c.text());
    }

    /** The prefill node samples the first token under the guide; the decode node follows it and goes on the same way. */
    @Test
    void handoverAfterAOneTokenPrefillMatchesCollocated() {
        SamplingParams p = new SamplingParams(0.8, 1, 0, 0, 5L, 96, List.of(), List.of(), false, -1).withGuide(GuideSpec.jsonSchema(SCHEMA));
        int[] collocated = run(p).tokens();
        assertArrayEquals(collocated, TextFixtureEngine.handedOver(engine, "guided", p));
        assertEquals(0, engine.stats().kvBlocksUsed());
    }

    @Test
    void aSchemaThatCannotBeFollowedIsRefusedAtSubmit() {
        EngineException e = assertThrows(EngineException.class, () -> engine.submit(null, TextFixtureEngine.CHAT_PROMPT,
                SamplingParams.greedy(8).withGuide(GuideSpec.jsonSchema("{\"type\": \"string\", \"pattern\": \"^(a+)\\\\1$\"}")), new Collector()));
        assertTrue(e.getMessage().contains("pattern"), e.getMessage());
        assertEquals(0, engine.stats().running() + engine.stats().waiting());
    }
}
