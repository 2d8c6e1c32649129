package ai.baton.engine;

import ai.baton.engine.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the engine reports about its steps on the text fixture: the step ring (token counts that add up to what was
 * served), busy time, per-request queue time, and the device-sampling path run on the CPU.
 */
class EngineStepStatsTest {
    private static final int MAX_TOKENS = 6;

    private static LlmEngine open(int maxSequences) {
        return LlmEngine.open(EngineConfig.forModel(Fixtures.model("qwen3-text-tiny")).withThreads(2).withKvBlocks(256)
                .withMaxSequences(maxSequences).withPrefixCaching(false));
    }

    /** Prompts with distinct first tokens and lengths 5, 9, 13, ... */
    private static int[] prompt(int i) {
        int[] p = new int[5 + 4 * i];
        for (int k = 0; k < p.length; k++) p[k] = 1000 + 37 * i + 11 * k;
        return p;
    }

    /** A collector that also keeps the engine's onScheduled report and when the request ended. */
    private static final class Probe implements RequestListener {
        final Collector outputs = new Collector();
        int scheduledCalls;
        long queueNanos = -1, scheduledAt, finishedAt;

        @Override
        public void onOutput(RequestOutput o) {
            outputs.onOutput(o);
            if (o.finished()) finishedAt = System.nanoTime();
        }

        @Override
        public void onScheduled(long queue, long startNanos) {
            scheduledCalls++;
            queueNanos = queue;
            scheduledAt = startNanos;
        }
    }

    @Test
    void stepRingBusyTimeAndQueueTimeAddUp() {
        long fromUs = System.currentTimeMillis() * 1000;
        try (LlmEngine e = open(2)) {
            List<Probe> probes = new ArrayList<>();
            int promptTokens = 0;
            for (int i = 0; i < 4; i++) {
                Probe p = new Probe();
                e.submit(null, prompt(i), SamplingParams.greedy(MAX_TOKENS).withIgnoreEos(true), p);
                promptTokens += prompt(i).length;
                probes.add(p);
            }
            e.runUntilIdle();
            long toUs = System.currentTimeMillis() * 1000;

            int generated = 0;
            for (Probe p : probes) {
                assertEquals(MAX_TOKENS, p.outputs.tokens().length);
                assertEquals(1, p.scheduledCalls, "onScheduled is reported once per request");
                assertTrue(p.queueNanos >= 0);
                generated += p.outputs.tokens().length;
            }
            // Two sequences at a time: the last two wait in the queue until one of the first two has finished.
            long firstDone = Math.min(probes.get(0).finishedAt, probes.get(1).finishedAt);
            for (int i = 2; i < 4; i++) {
                assertTrue(probes.get(i).scheduledAt >= firstDone, "request " + i + " was scheduled before a slot freed");
                assertTrue(probes.get(i).queueNanos > probes.get(0).queueNanos, "request " + i + " queued longer");
            }

            List<StepRecord> steps = e.recentSteps();
            EngineStats stats = e.stats();
            assertEquals(stats.steps(), steps.size(), "every step is in the ring");
            int prefill = 0, decode = 0;
            long durUs = 0, prevStart = 0;
            for (StepRecord s : steps) {
                prefill += s.prefillTokens();
                decode += s.decodeTokens();
                durUs += s.durMicros();
                assertTrue(s.numSeqs() >= 1 && s.numSeqs() <= 2, "num_seqs " + s.numSeqs());
                assertTrue(s.prefillTokens() + s.decodeTokens() >= s.numSeqs());
                assertTrue(s.startMicros() >= prevStart, "steps in order");
                assertTrue(s.startMicros() > fromUs - 60_000_000L && s.startMicros() < toUs + 60_000_000L, "epoch microseconds");
                prevStart = s.startMicros();
            }
            assertEquals(promptTokens, prefill, "prefill tokens are the prompts (no prefix cache, no preemption)");
            // Each request's first token comes from its last prefill chunk; the rest from decode steps.
            assertEquals(generated - probes.size(), decode);
            assertTrue(stats.busyNanos() > 0);
            // Durations are truncated to whole microseconds.
            assertTrue(durUs <= stats.busyNanos() / 1000 && durUs >= stats.busyNanos() / 1000 - steps.size(),
                    durUs + " us of steps vs busy " + stats.busyNanos() + " ns");
        }
    }

    @Test
    void admittedRequestIsQueuedUntilItsFirstDecodeStep() {
        try (LlmEngine e = open(8)) {
            int[] p = prompt(1);
            SamplingParams params = SamplingParams.greedy(MAX_TOKENS).withIgnoreEos(true);
            Probe prefill = new Probe();
            e.submitHolding("p", p, params.withMaxTokens(1), prefill);
            e.runUntilIdle();
            int[] held = e.takeHeld("p");
            int stepsBefore = e.recentSteps().size();
            Probe decode = new Probe();
            e.admitPrefilled("d", p, prefill.outputs.tokens()[0], params, held, decode);
            e.runUntilIdle();
            assertEquals(1, decode.scheduledCalls);
            assertTrue(decode.queueNanos >= 0);
            List<StepRecord> after = e.recentSteps().subList(stepsBefore, e.recentSteps().size());
            assertEquals(MAX_TOKENS - 1, after.size(), "one decode step per token after the first");
            for (StepRecord s : after) {
                assertEquals(0, s.prefillTokens());
                assertEquals(1, s.decodeTokens());
            }
        }
    }

    /**
     * The device-sampling path, forced on the CPU: greedy tokens equal the host path's, a seeded request draws the
     * same tokens alone and in a batch, and a request that wants logprobs still gets them.
     */
    @Test
    void deviceSamplingPathMatchesHostPath() {
        List<int[]> hostGreedy = new ArrayList<>(), deviceGreedy = new ArrayList<>();
        SamplingParams seeded = new SamplingParams(1.0, 0.95, 50, 0, 5L, MAX_TOKENS, List.of(), List.of(), true, -1);
        try (LlmEngine e = open(8)) {
            for (int round = 0; round < 2; round++) {
                e.sampleOnDevice(round == 1);
                List<Collector> cs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Collector c = new Collector();
                    e.submit(null, prompt(i), SamplingParams.greedy(MAX_TOKENS).withIgnoreEos(true), c);
                    cs.add(c);
                }
                e.runUntilIdle();
                for (Collector c : cs) (round == 0 ? hostGreedy : deviceGreedy).add(c.tokens());
            }
            for (int i = 0; i < 3; i++) assertArrayEquals(hostGreedy.get(i), deviceGreedy.get(i), "greedy request " + i);

            Collector alone = new Collector();
            e.submit(null, prompt(2), seeded, alone);
            e.runUntilIdle();
            List<Collector> batch = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Collector c = new Collector();
                e.submit(null, prompt(i == 1 ? 2 : i + 3), i == 1 ? seeded : seeded.withSeed(50L + i), c);
                batch.add(c);
            }
            e.runUntilIdle();
            assertArrayEquals(alone.tokens(), batch.get(1).tokens(), "seeded draws do not depend on the batch");

            Collector withLogprobs = new Collector();
            e.submit(null, prompt(0), new SamplingParams(0, 1, 0, 0, null, 3, List.of(), List.of(), true, 2), withLogprobs);
            e.runUntilIdle();
            assertEquals(3, withLogprobs.tokens().length);
            for (RequestOutput o : withLogprobs.outputs) if (o.newToken() >= 0) assertNotNull(o.logprobs());
            assertArrayEquals(java.util.Arrays.copyOf(hostGreedy.getFirst(), 3), withLogprobs.tokens());
        }
    }
}
