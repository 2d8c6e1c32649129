package ai.baton.engine.guide;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token masks of guide states seen before, shared by an engine's sequences. A state's mask depends on the state alone
 * (its parse stacks, which are immutable records, so equal states are equal keys), and guided outputs revisit states
 * all the time: a regular expression's loop, a JSON string's content, the same schema across requests. A fresh mask
 * over Qwen3's 152k tokens takes up to milliseconds (a walk of the vocabulary trie), a cached one a copy of 19 KB.
 * This is the idea of xgrammar's token-mask cache, taken to whole masks. Least recently used out first; thread-safe
 * (the engine makes masks on several threads).
 */
final class MaskCache {
    private final Map<Object, long[]> masks;

    MaskCache(int capacity) {
        masks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, long[]> eldest) { return size() > capacity; }
        };
    }

    /** Copies the mask of {@code key}'s state into {@code into}; false when it is not cached. */
    synchronized boolean copyInto(Object key, long[] into) {
        long[] m = masks.get(key);
        if (m == null) return false;
        System.arraycopy(m, 0, into, 0, m.length);
        return true;
    }

    synchronized void put(Object key, long[] mask) { masks.put(key, mask.clone()); }

    synchronized int size() { return masks.size(); }
}
