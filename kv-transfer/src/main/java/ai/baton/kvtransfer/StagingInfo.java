package ai.baton.kvtransfer;

/**
 * The receive-side staging ring of a device pool: {@code slots} host buffers of {@code slotBytes} each,
 * starting at {@code base}, registered with UCX under {@code rkey}. Senders ask for a slot, put into it,
 * and the receiver copies the slot to its device.
 */
public record StagingInfo(long base, long slotBytes, int slots, byte[] rkey) {
    public StagingInfo {
        rkey = rkey.clone();
    }

    @Override
    public byte[] rkey() {
        return rkey.clone();
    }

    public long slotAddress(int slot) {
        return base + slot * slotBytes;
    }
}
