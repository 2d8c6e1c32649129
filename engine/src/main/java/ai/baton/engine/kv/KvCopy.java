package ai.baton.engine.kv;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One whole KV block (every layer, K and V) moved between the device pool and a slot of the host offload tier.
 * Copies are run in the order they were made: a block is saved before it is overwritten, and a slot is read before
 * it is reused.
 *
 * @param toHost true: pool block {@code block} into tier slot {@code slot}; false: the slot into the block
 */
public record KvCopy(boolean toHost, int block, int slot) {

    public static KvCopy save(int block, int slot) { return new KvCopy(true, block, slot); }

    public static KvCopy load(int slot, int block) { return new KvCopy(false, block, slot); }

    /**
     * The same copies with every save before every load, where that changes no result, so that a device can run each
     * direction as one large transfer; else the list as it is. Moving a save ahead of an earlier load is safe unless the
     * load writes the block the save reads, or reads the slot the save writes. (The usual list alternates: each block
     * the pool evicts into the tier is then filled from the tier.)
     */
    public static List<KvCopy> savesFirst(List<KvCopy> copies) {
        Set<Integer> loadedBlocks = new HashSet<>(), readSlots = new HashSet<>();
        List<KvCopy> saves = new ArrayList<>(), loads = new ArrayList<>();
        for (KvCopy c : copies) {
            if (c.toHost()) {
                if (loadedBlocks.contains(c.block()) || readSlots.contains(c.slot())) return copies;
                saves.add(c);
            } else {
                loadedBlocks.add(c.block());
                readSlots.add(c.slot());
                loads.add(c);
            }
        }
        saves.addAll(loads);
        return saves;
    }
}
