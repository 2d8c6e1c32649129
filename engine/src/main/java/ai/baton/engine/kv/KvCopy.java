package ai.baton.engine.kv;

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
}
