package ai.baton.engine;

import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.cpu.CpuKvCache;
import ai.baton.engine.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** An engine over KV memory someone else owns (as kv-transfer's agent provides) computes the same and releases it. */
class KvAllocatorTest {
    @Test
    void externalKvMemory() {
        AtomicInteger released = new AtomicInteger();
        Arena arena = Arena.ofShared();
        var dir = Fixtures.model("qwen3-tiny");
        JsonNode c = Fixtures.json(dir.resolve("expected.json")).get("cases").get(3);
        try (LlmEngine e = LlmEngine.open(EngineConfig.forModel(dir).withThreads(2).withKvBlocks(32).withTensorParallel(2),
                (rank, layout, backend) -> {
                    MemorySegment[] k = new MemorySegment[layout.numLayers()], v = new MemorySegment[layout.numLayers()];
                    for (int l = 0; l < k.length; l++) {
                        k[l] = arena.allocate(layout.regionBytes(), 64);
                        v[l] = arena.allocate(layout.regionBytes(), 64);
                    }
                    return CpuKvCache.wrap(layout, k, v, released::incrementAndGet);
                })) {
            Collector col = new Collector();
            int[] greedy = Fixtures.ints(c.get("greedy"));
            e.submit(null, Fixtures.ints(c.get("prompt")), SamplingParams.greedy(greedy.length).withIgnoreEos(true), col);
            e.runUntilIdle();
            assertArrayEquals(greedy, col.tokens());
        }
        assertEquals(2, released.get(), "each rank's memory released once");
        arena.close();
    }
}
