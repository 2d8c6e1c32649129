package ai.baton.experiments.bench;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SSE framing and the per-token timing math, with hand-made timestamps. */
class StreamTimingTest {
    private static final long MS = 1_000_000L;

    private static SseParser.Event ev(long ms, String data) { return new SseParser.Event(ms * MS, data); }

    private static String text(String t) { return "{\"choices\":[{\"index\":0,\"text\":\"" + t + "\",\"finish_reason\":null}]}"; }

    @Test
    void ttftItlLatencyAndTpotFromChunkTimes() {
        List<SseParser.Event> events = List.of(
                ev(100, text("a")), ev(110, text("b")), ev(125, text("")),  // an empty chunk is not a token arrival
                ev(130, text("c")), ev(131, "{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}]}"),
                ev(131, "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4}}"), ev(132, "[DONE]"));
        RequestOutput r = StreamParser.parse(events, 0, 140 * MS, 9);
        assertTrue(r.success());
        assertEquals(0.100, r.ttft(), 1e-12);
        assertArrayEquals(new double[]{0.010, 0.020}, r.itl(), 1e-12);
        assertEquals(0.140, r.latency(), 1e-12);
        assertEquals(4, r.outputTokens(), "usage wins over the chunk count");
        assertEquals(5, r.inputTokens());
        assertEquals((0.140 - 0.100) / 3, r.tpot(), 1e-12);
        assertEquals("abc", r.generatedText());
        assertEquals("length", r.finishReason());
    }

    @Test
    void withoutUsageTheChunksAreCounted() {
        RequestOutput r = StreamParser.parse(List.of(ev(5, text("x")), ev(7, text("y")), ev(8, "[DONE]")), 0, 8 * MS, 3);
        assertEquals(2, r.outputTokens());
        assertEquals(3, r.inputTokens(), "the dataset's length without usage");
        assertEquals(0.003, r.tpot(), 1e-12);
    }

    @Test
    void oneTokenHasNoTpot() {
        RequestOutput r = StreamParser.parse(List.of(ev(5, text("x")), ev(8, "[DONE]")), 0, 8 * MS, 3);
        assertTrue(Double.isNaN(r.tpot()));
        assertEquals(0, r.itl().length);
    }

    @Test
    void chatDeltasAndErrors() {
        String role = "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}";
        String c = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}";
        RequestOutput r = StreamParser.parse(List.of(ev(1, role), ev(20, c), ev(30, c)), 0, 30 * MS, 3);
        assertEquals(0.020, r.ttft(), 1e-12, "role-only chunk is not the first token");
        RequestOutput bad = StreamParser.parse(List.of(ev(20, c), ev(21, "{\"error\":{\"message\":\"x failed\"}}")), 0, 30 * MS, 3);
        assertFalse(bad.success());
        assertEquals("x failed", bad.error());
        assertFalse(StreamParser.parse(List.of(ev(1, "[DONE]")), 0, MS, 3).success());
    }

    @Test
    void sseFramingAcrossBuffers() {
        SseParser s = new SseParser();
        String stream = ": ping\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]";
        byte[] b = stream.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += 3)  // split mid-line and mid-\r\n
            s.feed(b, i, Math.min(3, b.length - i), i);
        s.finish(b.length);
        List<SseParser.Event> ev = s.events();
        assertEquals(3, ev.size());
        assertEquals("{\"a\":1}", ev.get(0).data());
        assertEquals("line1\nline2", ev.get(1).data());
        assertEquals("[DONE]", ev.get(2).data(), "a last event without a blank line still counts");
        assertEquals(21, ev.get(0).nanos(), "stamped with the read that completed it (bytes 21-23 hold its blank line)");
    }

    @Test
    void utf8SplitAcrossBuffersIsKept() {
        SseParser s = new SseParser();
        byte[] b = "data: {\"t\":\"héllo 日本\"}\n\n".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) s.feed(b, i, 1, i);
        s.finish(b.length);
        assertEquals("{\"t\":\"héllo 日本\"}", s.events().get(0).data());
    }
}
