package ai.baton.engine;

import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sched.SchedulingPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Priority scheduling (vLLM's --scheduling-policy priority): lower priority values are admitted first and preempted
 * last, and what each request outputs does not change (HF's greedy tokens, whoever is preempted).
 */
class PrioritySchedulingTest {
    private static final Path MODEL = Fixtures.model("qwen3-tiny");

    /** The steps (1-based, counted by the test) in which one request received each of its tokens. */
    private static final class StepCollector implements RequestListener {
        final Collector outputs = new Collector();
        final List<Integer> steps = new ArrayList<>();
        private final int[] step;

        StepCollector(int[] step) { this.step = step; }

        @Override
        public void onOutput(RequestOutput o) {
            outputs.onOutput(o);
            if (o.newToken() >= 0) steps.add(step[0]);
        }

        int first() { return steps.getFirst(); }

        /** Whether the request missed a step between two of its tokens (it was preempted and recomputed). */
        boolean paused() {
            for (int i = 1; i < steps.size(); i++) if (steps.get(i) != steps.get(i - 1) + 1) return true;
            return false;
        }
    }

    private record Run(List<StepCollector> requests, EngineStats stats) {}

    /** The fixture's five greedy cases, submitted in order with {@code priorities}, run step by step on a small pool. */
    private static Run runCases(SchedulingPolicy policy, int[] priorities, int kvBlocks, int maxSeqs) {
        EngineConfig c = EngineConfig.forModel(MODEL).withThreads(2).withKvBlocks(kvBlocks).withMaxSequences(maxSeqs)
                .withSchedulingPolicy(policy);
        try (LlmEngine engine = LlmEngine.open(c)) {
            int[] step = {0};
            List<StepCollector> got = new ArrayList<>();
            List<JsonNode> cases = new ArrayList<>();
            Fixtures.json(MODEL.resolve("expected.json")).get("cases").forEach(cases::add);
            for (int i = 0; i < cases.size(); i++) {
                int[] greedy = Fixtures.ints(cases.get(i).get("greedy"));
                StepCollector col = new StepCollector(step);
                engine.submit("case-" + i, Fixtures.ints(cases.get(i).get("prompt")),
                        SamplingParams.greedy(greedy.length).withIgnoreEos(true).withPriority(priorities[i]), col);
                got.add(col);
            }
            do step[0]++; while (engine.step());
            for (int i = 0; i < cases.size(); i++) {
                assertArrayEquals(Fixtures.ints(cases.get(i).get("greedy")), got.get(i).outputs.tokens(), policy + " case " + i);
                assertEquals(FinishReason.LENGTH, got.get(i).outputs.finish());
            }
            assertEquals(0, engine.stats().kvBlocksUsed(), "every KV block back in the pool");
            return new Run(got, engine.stats());
        }
    }

    /**
     * Requests handed over with their prompt KV (a decode node's admitPrefilled) wait for a sequence slot like any
     * other: with one slot, three of them decode one after another, by priority under PRIORITY and in arrival order
     * under FCFS, and each still gives HF's greedy tokens.
     */
    @Test
    void handedOverRequestsWaitForASequenceSlotInPolicyOrder() {
        assertEquals(List.of(1, 2, 0), handOverOrder(SchedulingPolicy.PRIORITY, new int[]{5, -1, 2}));
        assertEquals(List.of(0, 1, 2), handOverOrder(SchedulingPolicy.FCFS, new int[]{0, 0, 0}));
    }

    /** Cases 0-2 prefilled (held), then handed over at once with {@code priorities}: the order they decode in. */
    private static List<Integer> handOverOrder(SchedulingPolicy policy, int[] priorities) {
        EngineConfig c = EngineConfig.forModel(MODEL).withThreads(2).withKvBlocks(64).withMaxSequences(1).withSchedulingPolicy(policy);
        try (LlmEngine engine = LlmEngine.open(c)) {
            List<JsonNode> cases = new ArrayList<>();
            Fixtures.json(MODEL.resolve("expected.json")).get("cases").forEach(cases::add);
            int[][] held = new int[3][];
            int[] first = new int[3];
            for (int i = 0; i < 3; i++) {
                Collector pre = new Collector();
                engine.submitHolding("p" + i, Fixtures.ints(cases.get(i).get("prompt")), SamplingParams.greedy(1).withIgnoreEos(true), pre);
                engine.runUntilIdle();
                held[i] = engine.takeHeld("p" + i);
                first[i] = pre.tokens()[0];
            }
            int[] step = {0};
            List<StepCollector> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int[] greedy = Fixtures.ints(cases.get(i).get("greedy"));
                StepCollector col = new StepCollector(step);
                engine.admitPrefilled("d" + i, Fixtures.ints(cases.get(i).get("prompt")), first[i],
                        SamplingParams.greedy(greedy.length).withIgnoreEos(true).withPriority(priorities[i]), held[i], col);
                got.add(col);
            }
            do {
                step[0]++;
                assertTrue(engine.stats().running() <= 1, "one sequence slot");
            } while (engine.step());
            List<Integer> order = new ArrayList<>(List.of(0, 1, 2));
            order.sort(java.util.Comparator.comparingInt(i -> got.get(i).steps.get(1)));  // their first decode step
            for (int k = 1; k < 3; k++)
                assertTrue(got.get(order.get(k - 1)).steps.getLast() < got.get(order.get(k)).steps.get(1), policy + ": one at a time");
            for (int i = 0; i < 3; i++)
                assertArrayEquals(Fixtures.ints(cases.get(i).get("greedy")), got.get(i).outputs.tokens(), policy + " case " + i);
            assertEquals(0, engine.stats().kvBlocksUsed(), "every KV block back in the pool");
            return order;
        }
    }

    @Test
    void waitingRequestsAreAdmittedByPriorityThenArrival() {
        // One sequence at a time: the order of admission is the order of first tokens.
        int[] priorities = {5, 0, 5, -1, 0};
        List<StepCollector> r = runCases(SchedulingPolicy.PRIORITY, priorities, 64, 1).requests();
        int[] expectedOrder = {3, 1, 4, 0, 2};
        for (int k = 1; k < expectedOrder.length; k++)
            assertTrue(r.get(expectedOrder[k - 1]).first() < r.get(expectedOrder[k]).first(),
                    "case " + expectedOrder[k - 1] + " before case " + expectedOrder[k]);

        List<StepCollector> fcfs = runCases(SchedulingPolicy.FCFS, new int[5], 64, 1).requests();
        for (int i = 1; i < 5; i++) assertTrue(fcfs.get(i - 1).first() < fcfs.get(i).first(), "FCFS: arrival order");
    }

    @Test
    void theLowestPriorityIsPreemptedAndOutputsStayHuggingFaces() {
        // 24 blocks of 16: the prompts take 21, so all five start together, and the outputs end up needing 28, so
        // somebody is preempted. The last to arrive, case 4 (a 203-token prompt), is the one FCFS preempts; with the
        // highest priority it is never paused.
        Run fcfs = runCases(SchedulingPolicy.FCFS, new int[5], 24, 64);
        assertTrue(fcfs.stats().preemptions() > 0, "the small pool preempted: " + fcfs.stats());
        StepCollector last = fcfs.requests().get(4);
        assertTrue(last.paused(), "FCFS: the latest arrival is preempted: " + last.steps);

        Run prio = runCases(SchedulingPolicy.PRIORITY, new int[] {5, 3, 1, 0, -1}, 24, 64);
        assertTrue(prio.stats().preemptions() > 0, "the small pool preempted: " + prio.stats());
        StepCollector top = prio.requests().get(4);
        assertEquals(1, top.first(), "the highest priority is admitted in the first step");
        assertTrue(!top.paused(), "the highest priority is never preempted: " + top.steps);
        StepCollector bottom = prio.requests().get(0);
        assertTrue(bottom.paused(), "the lowest priority is preempted: " + bottom.steps);
        for (int i = 0; i < 5; i++)
            assertTrue(prio.requests().get(i).steps.getLast() >= top.steps.getLast(), "case " + i + " ends no earlier than case 4");
    }

    @Test
    void anFcfsEngineRefusesNonzeroPriorities() {
        try (LlmEngine engine = LlmEngine.open(EngineConfig.forModel(MODEL).withThreads(2).withKvBlocks(16))) {
            EngineException e = assertThrows(EngineException.class,
                    () -> engine.submit(null, new int[] {1, 2, 3}, SamplingParams.greedy(2).withPriority(1), new Collector()));
            assertTrue(e.getMessage().contains("--scheduling-policy priority"), e.getMessage());
            engine.submit(null, new int[] {1, 2, 3}, SamplingParams.greedy(2).withPriority(0), new Collector());
            engine.runUntilIdle();
        }
    }

    @Test
    void policyNames() {
        assertEquals(SchedulingPolicy.PRIORITY, SchedulingPolicy.parse("Priority"));
        assertEquals(SchedulingPolicy.FCFS, SchedulingPolicy.parse("fcfs"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchedulingPolicy.parse("lifo"));
        assertEquals("--scheduling-policy must be fcfs or priority, got lifo", e.getMessage());
    }
}
