package ai.baton.kvtransfer.transport;

import ai.baton.kvtransfer.DeviceMemory;
import ai.baton.kvtransfer.StagingInfo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Receive side of staging for a device pool: a ring of pinned, UCX-registered host slots. Senders ask for a
 * slot, put into it, then say where its pieces go; the ring copies them to the device and hands the slot to
 * the next sender waiting (first come, first served). Slots of a sender that stopped are reclaimed only once
 * it has confirmed that none of its puts is in flight.
 */
public final class StagingRing {

    /** Sends a grant to the sender that asked. */
    public interface Grantee {
        long transferId();

        int srcRank();

        void grant(int slot);
    }

    private final StagingInfo info;
    private final DeviceMemory device;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final Grantee[] owner;
    private final ArrayDeque<Grantee> waiting = new ArrayDeque<>();

    public StagingRing(StagingInfo info, DeviceMemory device) {
        this.info = info;
        this.device = device;
        this.owner = new Grantee[info.slots()];
        for (int i = 0; i < info.slots(); i++) free.add(i);
    }

    public StagingInfo info() {
        return info;
    }

    public void request(Grantee g) {
        int slot;
        synchronized (this) {
            if (free.isEmpty()) {
                waiting.add(g);
                return;
            }
            slot = free.poll();
            owner[slot] = g;
        }
        g.grant(slot);
    }

    /** Copies a filled slot to the device (blocking) and passes the slot on. Throws if the sender does not own it. */
    public void land(long transferId, int srcRank, int slot, long[] slotOffsets, long[] dst, long[] lengths) {
        synchronized (this) {
            if (slot < 0 || slot >= owner.length || owner[slot] == null || owner[slot].transferId() != transferId
                    || owner[slot].srcRank() != srcRank) {
                throw new IllegalStateException("staging slot " + slot + " is not held by transfer " + transferId + "/" + srcRank);
            }
        }
        if (lengths.length > 0) {
            List<DeviceMemory.Piece> pieces = new ArrayList<>(lengths.length);
            long base = info.slotAddress(slot);
            for (int i = 0; i < lengths.length; i++) pieces.add(new DeviceMemory.Piece(dst[i], base + slotOffsets[i], lengths[i]));
            device.copyFromHost(pieces);
        }
        releaseSlot(slot);
    }

    /** The sender of (transfer, rank) is finished: its slots and queued requests go away. */
    public void reclaim(long transferId, int srcRank) {
        List<Integer> slots = new ArrayList<>();
        synchronized (this) {
            waiting.removeIf(g -> g.transferId() == transferId && g.srcRank() == srcRank);
            for (int i = 0; i < owner.length; i++) {
                if (owner[i] != null && owner[i].transferId() == transferId && owner[i].srcRank() == srcRank) slots.add(i);
            }
        }
        for (int s : slots) releaseSlot(s);
    }

    private void releaseSlot(int slot) {
        Grantee next;
        synchronized (this) {
            owner[slot] = null;
            next = waiting.poll();
            if (next == null) {
                free.add(slot);
                return;
            }
            owner[slot] = next;
        }
        next.grant(slot);
    }

    public synchronized int freeSlots() {
        return free.size();
    }

    synchronized int waiters() {
        return waiting.size();
    }

    /** For tests: who holds what. */
    synchronized List<Integer> slotsOf(long transferId, int srcRank) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < owner.length; i++) {
            if (owner[i] != null && owner[i].transferId() == transferId && owner[i].srcRank() == srcRank) out.add(i);
        }
        return out;
    }

}
