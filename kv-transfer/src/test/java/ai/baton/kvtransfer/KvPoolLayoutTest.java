package ai.baton.kvtransfer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class KvPoolLayoutTest {

    @Test
    void hndOffsetsAndSizes() {
        KvPoolLayout l = new KvPoolLayout(28, 100, 16, 8, 128, 2, KvLayout.HND, 1, 2);
        assertEquals(new HeadRange(4, 4), l.heads());
        assertEquals(256, l.tokenHeadBytes());
        assertEquals(4L * 16 * 256, l.blockBytes());
        assertEquals(100 * l.blockBytes(), l.regionBytes());
        assertEquals(l.blockBytes() * 3 + 2L * 16 * 256 + 5 * 256, l.offset(3, 2, 5));
    }

    @Test
    void nhdOffsets() {
        KvPoolLayout l = KvPoolLayout.of(1, 10, 4, 2, 8, 4, KvLayout.NHD);
        assertEquals(((3L * 4 + 1) * 2 + 1) * 32, l.offset(3, 1, 1));
    }

    @Test
    void replicatedHeadsWhenTpExceedsThem() {
        assertEquals(new HeadRange(1, 1), TpShard.headsOf(2, 8, 5));
        assertEquals(4, TpShard.replicas(2, 8));
        assertThrows(IllegalArgumentException.class, () -> TpShard.headsOf(4, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new KvPoolLayout(1, 1, 1, 4, 1, 1, KvLayout.HND, 4, 4));
    }
}
