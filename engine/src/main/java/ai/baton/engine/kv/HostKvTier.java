package ai.baton.engine.kv;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second tier of the prefix cache (vLLM's KV offloading, SGLang's hierarchical cache): full blocks that the
 * device pool evicts are copied to host memory, keyed by their {@link BlockHash}, and a later request with the same
 * prefix copies them back instead of recomputing them. The tier is a fixed number of slots, least recently used first
 * out. This class keeps the books only; the bytes move by the {@link KvCopy} list it hands out, which the model
 * runner executes in order before the next forward pass. Not thread-safe: owned by the engine's step loop.
 */
public final class HostKvTier {
    private final int capacity;
    /** Hash to slot, in access order: the eldest entry is the least recently used. */
    private final LinkedHashMap<BlockHash, Integer> slots = new LinkedHashMap<>(16, 0.75f, true);
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final List<KvCopy> pending = new ArrayList<>();
    private long saves, loads, evictions;

    public HostKvTier(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("a KV offload tier needs at least one slot");
        this.capacity = capacity;
        for (int s = 0; s < capacity; s++) freeSlots.add(s);
    }

    /** The pool is about to reuse {@code block}, which holds {@code hash}: keep a copy unless the tier has one. */
    public void save(int block, BlockHash hash) {
        if (slots.get(hash) != null) return;  // the get refreshes its place in the LRU order
        Integer slot = freeSlots.poll();
        if (slot == null) {
            Iterator<Map.Entry<BlockHash, Integer>> eldest = slots.entrySet().iterator();
            slot = eldest.next().getValue();
            eldest.remove();
            evictions++;
        }
        slots.put(hash, slot);
        pending.add(KvCopy.save(block, slot));
        saves++;
    }

    /** If the tier holds {@code hash}, queues its copy into {@code block} (taken by the caller) and returns true. */
    public boolean load(BlockHash hash, int block) {
        Integer slot = slots.get(hash);
        if (slot == null) return false;
        pending.add(KvCopy.load(slot, block));
        loads++;
        return true;
    }

    public boolean contains(BlockHash hash) { return slots.containsKey(hash); }

    /** Whether the tier holds {@code hash}, which becomes its most recently used block if so. */
    public boolean touch(BlockHash hash) { return slots.get(hash) != null; }

    /** The copies queued since the last call, in order; the caller must run them before the next forward pass. */
    public List<KvCopy> takePending() {
        if (pending.isEmpty()) return List.of();
        List<KvCopy> out = List.copyOf(pending);
        pending.clear();
        return out;
    }

    public boolean hasPending() { return !pending.isEmpty(); }

    /** Forgets every block (after a failed copy, whose slots can no longer be trusted). */
    public void clear() {
        slots.clear();
        freeSlots.clear();
        pending.clear();
        for (int s = 0; s < capacity; s++) freeSlots.add(s);
    }

    public int capacity() { return capacity; }

    public int size() { return slots.size(); }

    /** Blocks copied out, blocks copied back, and blocks dropped to make room. */
    public long saves() { return saves; }

    public long loads() { return loads; }

    public long evictions() { return evictions; }
}
