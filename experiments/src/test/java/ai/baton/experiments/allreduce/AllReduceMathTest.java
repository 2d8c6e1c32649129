package ai.baton.experiments.allreduce;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sizes as nccl-tests writes them, and its algbw/busbw definitions. */
class AllReduceMathTest {

    @Test
    void parsesNcclTestsSizes() {
        assertEquals(1024, Sizes.parse("1K"));
        assertEquals(256L << 20, Sizes.parse("256M"));
        assertEquals(256L << 20, Sizes.parse("256mb"));
        assertEquals(1L << 30, Sizes.parse("1G"));
        assertEquals(1536, Sizes.parse("1536"));
        for (String bad : new String[]{"", "K", "-1K", "0", "1T", "x"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad));
            assertTrue(e.getMessage().startsWith("not a size"), e.getMessage());
        }
    }

    @Test
    void doublingSweepFrom1KiBTo256MiBHas19Sizes() {
        List<Long> s = Sizes.sweep(1024, 256L << 20, 2);
        assertEquals(19, s.size());
        assertEquals(1024L, s.getFirst());
        assertEquals(256L << 20, s.getLast());
        assertEquals(List.of(1024L, 4096L, 16384L), Sizes.sweep(1024, 20000, 4));
        assertEquals("256M", Sizes.format(256L << 20));
        assertEquals("1K", Sizes.format(1024));
        assertEquals("1536", Sizes.format(1536));
        assertThrows(IllegalArgumentException.class, () -> Sizes.sweep(2048, 1024, 2));
        assertThrows(IllegalArgumentException.class, () -> Sizes.sweep(1024, 2048, 1));
    }

    @Test
    void busBandwidthIsAlgorithmBandwidthTimesTwoNMinusOneOverN() {
        // 256 MiB in 1 ms: algbw 268.4 GB/s; busbw = algbw on 2 ranks, 1.5x on 4, 1.75x on 8, 0 on one rank.
        Bandwidth two = new Bandwidth(256L << 20, 2, 1e-3);
        assertEquals(268.435456e9, two.algbw(), 1);
        assertEquals(two.algbw(), two.busbw(), 1e-6);
        assertEquals(1.5 * two.algbw(), new Bandwidth(256L << 20, 4, 1e-3).busbw(), 1);
        assertEquals(1.75 * two.algbw(), new Bandwidth(256L << 20, 8, 1e-3).busbw(), 1);
        assertEquals(0, new Bandwidth(1024, 1, 1e-6).busbw());
        assertThrows(IllegalArgumentException.class, () -> new Bandwidth(1024, 2, 0));
    }
}
