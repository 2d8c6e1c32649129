package ai.baton.router.routing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefixTreeTest {
    @Test
    void matchesInsertedPrefixesAcrossSplits() {
        PrefixTree t = new PrefixTree(1000);
        t.insert(new int[]{1, 2, 3, 4, 5});
        assertEquals(5, t.matchLength(new int[]{1, 2, 3, 4, 5, 6}));
        assertEquals(3, t.matchLength(new int[]{1, 2, 3, 9}));
        assertEquals(0, t.matchLength(new int[]{7}));
        t.insert(new int[]{1, 2, 3, 9, 9});
        assertEquals(7, t.size());
        assertEquals(5, t.matchLength(new int[]{1, 2, 3, 9, 9}));
        assertEquals(5, t.matchLength(new int[]{1, 2, 3, 4, 5}));
        t.insert(new int[]{1, 2});
        assertEquals(7, t.size());
        assertEquals(2, t.matchLength(new int[]{1, 2, 8}));
    }

    @Test
    void evictsLeastRecentlyRoutedLeavesFirst() {
        PrefixTree t = new PrefixTree(20);
        t.insert(new int[]{1, 1, 1, 1, 1, 1, 1, 1});      // old
        t.insert(new int[]{2, 2, 2, 2, 2, 2, 2, 2});      // newer
        t.insert(new int[]{3, 3, 3, 3, 3, 3, 3, 3});      // 24 > 20: evict the oldest
        assertTrue(t.size() <= 20);
        assertEquals(0, t.matchLength(new int[]{1, 1}));
        assertEquals(8, t.matchLength(new int[]{2, 2, 2, 2, 2, 2, 2, 2}));
        assertEquals(8, t.matchLength(new int[]{3, 3, 3, 3, 3, 3, 3, 3}));
    }
}
