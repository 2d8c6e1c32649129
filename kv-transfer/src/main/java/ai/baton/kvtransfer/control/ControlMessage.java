package ai.baton.kvtransfer.control;

/**
 * Messages on the control channel between two agents (a plain TCP connection). Data never travels here:
 * only admission, per-layer notices, completion, cancellation, staging-slot credits and heartbeats.
 */
public sealed interface ControlMessage {

    /** First message in each direction: who is on the other end. */
    record Hello(long agentId, String name) implements ControlMessage {}

    /** Heartbeat; any message counts as a sign of life. */
    record Ping() implements ControlMessage {}

    /**
     * Sender rank {@code srcRank} of a TP={@code srcTp} group asks to write into transfer {@code transferId}, using
     * the transport with ordinal {@code transport} (for the receiver's logs and metrics).
     */
    record Begin(long transferId, int srcRank, int srcTp, int numLayers, int transport) implements ControlMessage {}

    /** Receiver admits the sender; no write may happen before this. */
    record Accept(long transferId, int srcRank) implements ControlMessage {}

    /** Every byte of {@code layer} from this sender is visible in the receiver's memory. */
    record Layer(long transferId, int srcRank, int layer, long bytes) implements ControlMessage {}

    /** This sender has delivered all layers. */
    record Done(long transferId, int srcRank) implements ControlMessage {}

    /** The sender gave up; none of its writes is in flight any more. */
    record Abort(long transferId, int srcRank, String reason) implements ControlMessage {}

    /** Receiver gives up (lease expired, cancelled, another sender failed): stop writing and confirm. */
    record Cancel(long transferId, int srcRank, String reason) implements ControlMessage {}

    /** Sender stopped; none of its writes is in flight any more, so the receiver may reuse the blocks. */
    record CancelAck(long transferId, int srcRank) implements ControlMessage {}

    /** Sender asks for a slot of the receiver's staging ring. */
    record SlotRequest(long transferId, int srcRank) implements ControlMessage {}

    record SlotGrant(long transferId, int srcRank, int slot) implements ControlMessage {}

    /**
     * Slot {@code slot} holds pieces to copy to the device: piece i is {@code lengths[i]} bytes at
     * {@code slotOffsets[i]} going to device address {@code dstAddresses[i]}. No pieces: the slot is returned unused.
     */
    record Staged(long transferId, int srcRank, int slot, long[] slotOffsets, long[] dstAddresses, long[] lengths)
            implements ControlMessage {}
}
