package ai.baton.router;

import ai.baton.proto.Role;
import ai.baton.router.dispatch.DispatchConfig;
import ai.baton.router.registry.HealthChecker;
import ai.baton.router.registry.NodeHandle;
import ai.baton.router.registry.NodeRegistry;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.FakeNode;
import ai.baton.router.testing.Fixtures;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.TestRouter;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retries, fallbacks, cancellation, waiting for room, and health checks, over test-double nodes. */
class FailureHandlingTest {
    private static final RoutingConfig DISAGG = RoutingConfig.defaults().withLocalPrefillThreshold(-1);

    static JsonNode completionCase() {
        return Fixtures.textCases().stream().filter(x -> x.path("kind").asText().equals("completion")).findFirst().orElseThrow();
    }

    static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    static double metric(TestRouter c, String line) {
        for (String l : c.http.get("/metrics").body().split("\n")) {
            if (l.startsWith(line + " ")) return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
        }
        return 0;
    }

    @Test
    void failedPrefillIsRetriedOnAnotherNodeThenOnTheDecodeNode() throws Exception {
        try (TestRouter c = new TestRouter(2, 1, DISAGG)) {
            JsonNode k = completionCase();
            c.prefill.get(0).failNext.set(1);
            c.prefill.get(1).failNext.set(1);
            // Whichever node is picked first fails; the other one fails too; the decode node prefills it itself.
            Http.Reply r = c.http.post("/v1/completions", FixtureRequests.body(k, false, false));
            assertEquals(200, r.status(), r.body());
            assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(r.json()));
            assertEquals(1, c.decode.getFirst().localPrefills.get());
            assertTrue(metric(c, "baton:routing_decisions_total{model_name=\"qwen3-text-tiny\",reason=\"retry\"}") >= 2);
            assertEquals(0, c.decode.getFirst().reservedBlocks());

            // They answered (with errors): they stay in routing, and the next request goes through one of them.
            Http.Reply again = c.http.post("/v1/completions", FixtureRequests.body(k, false, false));
            assertEquals(200, again.status(), again.body());
            assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(again.json()));
            assertEquals(1, c.decode.getFirst().localPrefills.get());
            assertEquals(0, c.decode.getFirst().reservedBlocks());

            // A prefill node that cannot be reached at all leaves routing at once.
            c.prefill.get(0).close();
            for (int i = 0; i < 3; i++) {
                Http.Reply r3 = c.http.post("/v1/completions", FixtureRequests.body(k, false, false));
                assertEquals(200, r3.status(), r3.body());
                assertEquals(k.path("greedy_text").asText(), FixtureRequests.text(r3.json()));
            }
            assertEquals(1, c.router.registry().healthy(ai.baton.proto.Role.PREFILL).size());
            assertEquals(0, c.decode.getFirst().reservedBlocks());
        }
    }

    @Test
    void clientDisconnectMidPrefillReleasesTheReservation() throws Exception {
        try (TestRouter c = new TestRouter(1, 1, DISAGG)) {
            FakeNode p = c.prefill.getFirst(), d = c.decode.getFirst();
            p.prefillDelayMs = 1500;
            try (Socket s = new Socket("127.0.0.1", c.router.httpPort())) {
                sendRequest(s, "{\"prompt\": \"hello there\", \"max_tokens\": 5, \"stream\": true}");
                await(() -> d.reservedBlocks() > 0, "a reservation");
            }
            await(() -> d.reservedBlocks() == 0 && d.releases.get() >= 1, "the reservation to be released");
            await(() -> c.router.dispatcher().running() == 0, "the exchange to end");
            p.prefillDelayMs = 0;
        }
    }

    @Test
    void clientDisconnectMidStreamCancelsGenerate() throws Exception {
        try (TestRouter c = new TestRouter(1, 1, DISAGG)) {
            FakeNode d = c.decode.getFirst();
            try (Socket s = new Socket("127.0.0.1", c.router.httpPort())) {
                sendRequest(s, "{\"prompt\": \"hello there\", \"max_tokens\": 3000, \"ignore_eos\": true, \"stream\": true}");
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int got = 0;
                while (got < 1500) {
                    int n = in.read(buf);
                    if (n < 0) break;
                    got += n;
                }
                assertTrue(d.running() > 0);
            }
            await(() -> d.running() == 0, "the decode node to stop generating");
            await(() -> c.router.dispatcher().running() == 0, "the exchange to end");
        }
    }

    private static void sendRequest(Socket s, String body) throws Exception {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    @Test
    void fullDecodeNodesMakeRequestsWaitThen503() throws Exception {
        try (TestRouter c = new TestRouter(1, 0, b -> b.routing(DISAGG)
                .dispatch(DispatchConfig.defaults().withQueueTimeoutMs(300).withMaxWaiting(1)))) {
            FakeNode d = c.addNode(Role.DECODE, 2);   // room for 32 tokens
            Http.Reply r = c.http.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 100}");
            assertEquals(503, r.status(), r.body());
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
            assertEquals(0, d.reservedBlocks());
            assertEquals(0, c.router.dispatcher().waiting());
            Http.Reply ok = c.http.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 10}");
            assertEquals(200, ok.status(), ok.body());
        }
    }

    @Test
    void healthChecksRemoveDeadNodesAndReadmitRecoveredOnes() throws Exception {
        try (TestRouter c = new TestRouter(2, 1, DISAGG)) {
            NodeRegistry reg = c.router.registry();
            AtomicLong now = new AtomicLong();
            HealthChecker hc = new HealthChecker(reg, 2, 1000, TimeUnit.SECONDS.toNanos(30));
            FakeNode dead = c.prefill.get(0);
            dead.down = true;
            for (int i = 0; i < 2; i++) {
                hc.tick();
                Thread.sleep(100);
            }
            NodeHandle h = reg.get(dead.id);
            await(() -> !h.healthy(), "the dead node to leave routing");
            assertEquals(1, reg.healthy(Role.PREFILL).size());
            for (int i = 0; i < 4; i++) {
                Http.Reply r = c.http.post("/v1/completions", "{\"prompt\": \"request " + i + " with some words\", \"max_tokens\": 2}");
                assertEquals(200, r.status(), r.body());
            }
            assertEquals(0, dead.prefills.get());
            dead.down = false;
            hc.tick();
            await(h::healthy, "the recovered node to be re-admitted");
            assertEquals(2, reg.healthy(Role.PREFILL).size());
            assertFalse(now.get() < 0);
        }
    }

    @Test
    void nodesDownForLongAreForgotten() throws Exception {
        AtomicLong clock = new AtomicLong(0);
        try (TestRouter c = new TestRouter(1, 1, b -> b.routing(DISAGG).ticker(clock::get))) {
            NodeRegistry reg = c.router.registry();
            HealthChecker hc = new HealthChecker(reg, 1, 1000, TimeUnit.SECONDS.toNanos(30));
            FakeNode p = c.prefill.getFirst();
            p.down = true;
            hc.tick();
            await(() -> !reg.get(p.id).healthy(), "the node to be marked down");
            clock.addAndGet(TimeUnit.SECONDS.toNanos(31));
            hc.tick();
            assertNull(reg.get(p.id));
            assertEquals(0, reg.count(Role.PREFILL));
        }
    }
}
