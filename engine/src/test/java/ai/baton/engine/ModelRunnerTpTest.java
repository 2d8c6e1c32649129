package ai.baton.engine;

import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.weights.SafetensorsWeights;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tensor parallelism on CPU threads: TP 2 equals TP 1, and a failing rank fails the step instead of hanging it. */
class ModelRunnerTpTest {
    private static final Path DIR = Fixtures.model("llama3-tiny");

    private static ForwardBatch prompt(int n) {
        int[] tokens = new int[n], pos = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = 100 + 7 * i;
            pos[i] = i;
        }
        int blocks = (n + 15) / 16;
        int[] table = new int[blocks];
        for (int i = 0; i < blocks; i++) table[i] = i;
        return new ForwardBatch(tokens, pos, pos.clone(), new int[]{0, n}, new int[]{n}, new int[][]{table}, new int[]{n - 1});
    }

    private static ModelRunner runner(SafetensorsWeights w, int tp) {
        ModelConfig c = ModelConfig.load(DIR.resolve("config.json"));
        return new ModelRunner(c, w, EngineConfig.forModel(DIR).withThreads(2).withTensorParallel(tp).withKvBlocks(8), 8);
    }

    @Test
    void twoRanksMatchOne() {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR); ModelRunner one = runner(w, 1); ModelRunner two = runner(w, 2)) {
            double err = Fixtures.relativeL2(two.forward(prompt(9)), one.forward(prompt(9)));
            assertTrue(err < 1e-5, "relative L2 " + err);
        }
    }

    @Test
    void aRankThatFailsBeforeItsAllReduceFailsTheStepAndTheNextStepRuns() {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR); ModelRunner one = runner(w, 1); ModelRunner two = runner(w, 2)) {
            float[] expected = one.forward(prompt(9));
            for (int failing = 0; failing < 2; failing++) {
                int f = failing;
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    // The failing rank stops after writing layer 0's K/V; its peer is then waiting in an all-reduce.
                    EngineException e = assertThrows(EngineException.class, () -> two.forward(prompt(9), (rank, layer) -> {
                        if (rank == f) throw new IllegalStateException("injected failure on rank " + rank);
                    }));
                    assertTrue(e.getMessage().contains("injected failure on rank " + f), e.getMessage());
                    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
                    double err = Fixtures.relativeL2(two.forward(prompt(9)), expected);
                    assertTrue(err < 1e-5, "after a failed step: relative L2 " + err);
                });
            }
        }
    }
}
