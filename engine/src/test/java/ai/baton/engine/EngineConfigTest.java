package ai.baton.engine;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GPU list of tensor-parallel ranks: defaults, parsing and the one-line errors. */
class EngineConfigTest {
    private static final EngineConfig TP2 = EngineConfig.forModel(Path.of("m")).withBackend("cuda").withTensorParallel(2);

    @Test
    void ranksDefaultToGpusZeroUpward() {
        assertArrayEquals(new int[]{0, 1}, TP2.devices());
        assertArrayEquals(new int[]{0}, EngineConfig.forModel(Path.of("m")).devices());
    }

    @Test
    void aListPlacesRankROnItsRthEntry() {
        assertArrayEquals(new int[]{3, 1}, TP2.withGpus(List.of(3, 1)).devices());
        // the list survives the other withers
        assertEquals(List.of(3, 1), TP2.withGpus(List.of(3, 1)).withKvBlocks(8).withBackend("cuda").gpus());
    }

    @Test
    void parsesCommaSeparatedDevices() {
        assertEquals(List.of(0, 1), EngineConfig.parseGpus("0,1"));
        assertEquals(List.of(2, 3), EngineConfig.parseGpus(" 2, 3 "));
        assertEquals(List.of(), EngineConfig.parseGpus(null));
        assertEquals(List.of(), EngineConfig.parseGpus(" "));
    }

    @Test
    void badListsFailInOneLine() {
        for (String bad : new String[]{"0,,1", "a", "0;1", "1,"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> EngineConfig.parseGpus(bad));
            assertTrue(e.getMessage().startsWith("--gpus"), e.getMessage());
        }
        assertMessage(() -> TP2.withGpus(List.of(0)).devices(), "--gpus names 1 device(s) but --tp is 2: give one GPU per rank");
        assertMessage(() -> TP2.withGpus(List.of(1, 1)).devices(), "--gpus: device 1 is listed twice (one rank per GPU)");
        assertMessage(() -> TP2.withGpus(List.of(0, -1)).devices(), "--gpus: device -1 is negative");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable x, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, x).getMessage());
    }
}
