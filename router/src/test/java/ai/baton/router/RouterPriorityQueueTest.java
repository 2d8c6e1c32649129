package ai.baton.router;

import ai.baton.proto.Role;
import ai.baton.router.dispatch.DispatchConfig;
import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.TestRouter;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router's own queue (requests waiting for KV room on the decode nodes) follows priorities too: while a request
 * waits, requests of a lower priority (higher value) wait behind it even when they would fit, and requests of the
 * same or a higher priority do not.
 */
class RouterPriorityQueueTest {
    private static final RoutingConfig DISAGG = RoutingConfig.defaults().withLocalPrefillThreshold(-1);

    private static String body(int maxTokens, int priority) {
        return "{\"prompt\": \"hi\", \"max_tokens\": " + maxTokens + ", \"priority\": " + priority + "}";
    }

    /** Sends a request that cannot get room (its queue timeout ends it), then a small one; true if the small one waited. */
    private static boolean smallRequestWaitedBehindBigOne(int bigPriority, int smallPriority) throws Exception {
        try (TestRouter c = new TestRouter(0, 0, b -> b.routing(DISAGG)
                .dispatch(DispatchConfig.defaults().withQueueTimeoutMs(2000)))) {
            c.addNode(Role.PREFILL, 4096, "priority");
            c.addNode(Role.DECODE, 2, "priority");   // room for 32 tokens
            CompletableFuture<Http.Reply> big = CompletableFuture.supplyAsync(() -> c.http.post("/v1/completions", body(100, bigPriority)));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (c.router.dispatcher().waiting() < 1) {
                assertTrue(System.nanoTime() < end, "the big request waits at the router");
                Thread.sleep(10);
            }
            // Later, so that a small request held back until the big one's queue timeout still has time left of its own.
            Thread.sleep(800);
            Http.Reply small = c.http.post("/v1/completions", body(4, smallPriority));
            assertEquals(200, small.status(), small.body());
            boolean bigDone = big.isDone();
            assertEquals(503, big.get(10, TimeUnit.SECONDS).status());
            return bigDone;
        }
    }

    @Test
    void lowerPrioritiesWaitBehindAWaitingRequest() throws Exception {
        assertTrue(smallRequestWaitedBehindBigOne(-1, 3), "priority 3 waits until the priority -1 request leaves the queue");
    }

    @Test
    void equalOrHigherPrioritiesDoNotWait() throws Exception {
        assertTrue(!smallRequestWaitedBehindBigOne(0, 0), "two requests at priority 0 do not hold each other back");
        assertTrue(!smallRequestWaitedBehindBigOne(2, -2), "a more urgent request goes ahead of a waiting one");
    }
}
