package ai.baton.router.routing;

import ai.baton.proto.NodeInfo;
import ai.baton.proto.Role;
import ai.baton.router.registry.NodeHandle;
import ai.baton.router.registry.NodeRegistry;
import ai.baton.router.registry.Ticker;
import io.grpc.inprocess.InProcessChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The cache-aware prefill policy, the decode choice and conditional disaggregation, on registry entries alone. */
class RoutingPolicyTest {
    private final NodeRegistry registry = new NodeRegistry(a -> InProcessChannelBuilder.forName(a).build(), Ticker.system(), 1 << 20);

    @AfterEach
    void close() { registry.close(); }

    private NodeHandle node(String id, Role role, int blocks) {
        return registry.register(NodeInfo.newBuilder().setNodeId(id).setRole(role).setAddress(id).setKvBlocksTotal(blocks)
                .setBlockSize(16).build());
    }

    private static int[] seq(int from, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = from + i;
        return a;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void sharedPrefixFollowsTheNodeHoldingIt() {
        NodeHandle p0 = node("p0", Role.PREFILL, 1000), p1 = node("p1", Role.PREFILL, 1000);
        PrefillPolicy policy = new PrefillPolicy(RoutingConfig.defaults());
        int[] system = seq(1000, 200);
        PrefillChoice first = policy.choose(concat(system, seq(1, 10)), List.of(p0, p1));
        assertEquals(RouteReason.CACHE_MISS, first.reason());
        for (int i = 0; i < 5; i++) {
            PrefillChoice c = policy.choose(concat(system, seq(100 + 10 * i, 10)), List.of(p0, p1));
            assertSame(first.node(), c.node());
            assertEquals(RouteReason.CACHE_HIT, c.reason());
            assertEquals(200, c.matchedTokens());
        }
        // An unrelated prompt goes to the node with the smaller tree.
        PrefillChoice other = policy.choose(seq(5000, 50), List.of(p0, p1));
        assertEquals(RouteReason.CACHE_MISS, other.reason());
        assertEquals(first.node() == p0 ? p1 : p0, other.node());
    }

    @Test
    void imbalanceBeatsCacheAffinity() {
        NodeHandle p0 = node("p0", Role.PREFILL, 1000), p1 = node("p1", Role.PREFILL, 1000);
        PrefillPolicy policy = new PrefillPolicy(RoutingConfig.defaults().withBalance(4, 1.5));
        int[] prompt = seq(1, 100);
        p0.tree().insert(prompt);
        for (int i = 0; i < 10; i++) p0.acquire(0);     // p0 busy: 10 vs 0 > abs 4 and > 1.5x
        PrefillChoice c = policy.choose(prompt, List.of(p0, p1));
        assertSame(p1, c.node());
        assertEquals(RouteReason.LOAD_BALANCE, c.reason());
        for (int i = 0; i < 8; i++) p0.release(0);      // 2 vs 0: within abs threshold, cache wins again
        int[] other = seq(7000, 100);
        p0.tree().insert(other);
        PrefillChoice d = policy.choose(other, List.of(p0, p1));
        assertSame(p0, d.node());
        assertEquals(RouteReason.CACHE_HIT, d.reason());
    }

    @Test
    void decodeByRoomThenRunning() {
        NodeHandle d0 = node("d0", Role.DECODE, 100), d1 = node("d1", Role.DECODE, 100);
        DecodePolicy policy = new DecodePolicy();
        d0.acquire(10);
        assertSame(d1, policy.choose(160, List.of(d0, d1)));           // fewer running
        d1.acquire(95);
        d1.release(95);
        d1.acquire(95);                                                 // d1: 1 running, 5 blocks free
        assertSame(d0, policy.choose(160, List.of(d0, d1)));           // d1 has no room for 10 blocks
    }

    @Test
    void shortUncachedPromptsArePrefilledOnTheDecodeNode() {
        node("p0", Role.PREFILL, 1000);
        NodeHandle d0 = node("d0", Role.DECODE, 1000);
        RoutePlanner planner = new RoutePlanner(registry, RoutingConfig.defaults().withLocalPrefillThreshold(32));
        RoutePlan shortPlan = planner.plan(seq(1, 20), 10, Set.of(), Set.of(), false);
        assertNull(shortPlan.prefill());
        assertEquals(RouteReason.LOCAL_PREFILL, shortPlan.reason());
        RoutePlan longPlan = planner.plan(seq(500, 200), 10, Set.of(), Set.of(), false);
        assertEquals("p0", longPlan.prefill().id());
        // The decode node already holds the first 20 tokens of this one: only 25 are new.
        RoutePlan extended = planner.plan(concat(seq(1, 20), seq(9000, 25)), 10, Set.of(), Set.of(), false);
        assertSame(d0, extended.decode());
        assertNull(extended.prefill());
        assertThrows(RoutePlanner.NoNodeException.class, () -> planner.plan(seq(500, 200), 10, Set.of("p0"), Set.of(), false));
        assertThrows(RoutePlanner.NoNodeException.class, () -> planner.plan(seq(500, 200), 10, Set.of(), Set.of("d0"), false));
    }
}
