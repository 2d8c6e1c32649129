package ai.baton.engine.kv;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The offload tier's books: which blocks it holds, which it drops, and the copies it asks for, in order. */
class HostKvTierTest {
    private static BlockHash h(int i) { return BlockHash.of(null, new int[]{i}, 0, 1); }

    @Test
    void savesEachHashOnceAndLoadsItBack() {
        HostKvTier tier = new HostKvTier(4);
        tier.save(7, h(1));
        tier.save(9, h(1));  // the same contents evicted again: already kept
        assertEquals(List.of(KvCopy.save(7, 0)), tier.takePending());
        assertTrue(tier.load(h(1), 3));
        assertFalse(tier.load(h(2), 4));
        assertEquals(List.of(KvCopy.load(0, 3)), tier.takePending());
        assertEquals(List.of(), tier.takePending());
        assertEquals(1, tier.saves());
        assertEquals(1, tier.loads());
    }

    @Test
    void dropsTheLeastRecentlyUsedWhenFull() {
        HostKvTier tier = new HostKvTier(2);
        tier.save(1, h(1));
        tier.save(2, h(2));
        assertTrue(tier.touch(h(1)));  // h(2) is now the least recently used
        tier.save(3, h(3));
        assertTrue(tier.contains(h(1)));
        assertFalse(tier.contains(h(2)));
        assertTrue(tier.contains(h(3)));
        // h(3) reuses h(2)'s slot: the copy order says the slot is written after anything queued before.
        assertEquals(List.of(KvCopy.save(1, 0), KvCopy.save(2, 1), KvCopy.save(3, 1)), tier.takePending());
        assertEquals(1, tier.evictions());
        assertEquals(2, tier.size());
    }

    @Test
    void aLoadQueuedBeforeItsSlotIsReusedStaysFirst() {
        HostKvTier tier = new HostKvTier(1);
        tier.save(5, h(1));
        tier.takePending();
        assertTrue(tier.load(h(1), 6));
        tier.save(8, h(2));  // drops h(1): its slot is overwritten only after the load has read it
        assertEquals(List.of(KvCopy.load(0, 6), KvCopy.save(8, 0)), tier.takePending());
        assertFalse(tier.contains(h(1)));
    }

    @Test
    void savesMoveAheadOfLoadsOnlyWhereNothingChanges() {
        // The claim loop's pattern: block 4 is evicted into slot 9, then filled from slot 2; block 5 likewise.
        List<KvCopy> alternating = List.of(KvCopy.save(4, 9), KvCopy.load(2, 4), KvCopy.save(5, 8), KvCopy.load(3, 5));
        assertEquals(List.of(KvCopy.save(4, 9), KvCopy.save(5, 8), KvCopy.load(2, 4), KvCopy.load(3, 5)),
                KvCopy.savesFirst(alternating));
        // A save of a block that an earlier load filled must read the loaded bytes: the order stays.
        List<KvCopy> reloaded = List.of(KvCopy.load(2, 4), KvCopy.save(4, 7));
        assertEquals(reloaded, KvCopy.savesFirst(reloaded));
        // A save into a slot that an earlier load reads would overwrite it first: the order stays.
        List<KvCopy> reused = List.of(KvCopy.load(2, 4), KvCopy.save(6, 2));
        assertEquals(reused, KvCopy.savesFirst(reused));
    }

    @Test
    void clearForgetsEverything() {
        HostKvTier tier = new HostKvTier(3);
        tier.save(1, h(1));
        tier.clear();
        assertFalse(tier.contains(h(1)));
        assertFalse(tier.hasPending());
        assertEquals(0, tier.size());
        for (int i = 0; i < 3; i++) tier.save(i, h(10 + i));
        assertEquals(0, tier.evictions(), "every slot free again");
    }
}
