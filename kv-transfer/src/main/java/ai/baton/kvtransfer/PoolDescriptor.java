package ai.baton.kvtransfer;

import java.util.List;

/**
 * What a peer needs to write into a registered KV pool: its layout, where each layer's K and V regions
 * start, the registered chunks covering them, and, for device pools, the device and staging ring.
 */
public record PoolDescriptor(KvPoolLayout layout, MemoryKind memory, String deviceId, long[] kBase, long[] vBase,
                             List<RemoteChunk> chunks, StagingInfo staging) {

    public PoolDescriptor {
        if (kBase.length != layout.numLayers() || vBase.length != layout.numLayers()) {
            throw new IllegalArgumentException("need one K and one V base per layer");
        }
        kBase = kBase.clone();
        vBase = vBase.clone();
        chunks = List.copyOf(chunks);
        deviceId = deviceId == null ? "" : deviceId;
    }

    public long regionBase(int layer, boolean isK) {
        return isK ? kBase[layer] : vBase[layer];
    }

    @Override
    public long[] kBase() {
        return kBase.clone();
    }

    @Override
    public long[] vBase() {
        return vBase.clone();
    }

    /** The chunk holding {@code [address, address + len)}; throws if none does. */
    public RemoteChunk chunkFor(long address, long len) {
        for (RemoteChunk c : chunks) {
            if (c.contains(address, len)) return c;
        }
        throw new KvTransferException("no registered chunk covers 0x" + Long.toHexString(address) + "+" + len);
    }

    /** Whether UCX can put straight into this pool. */
    public boolean ucxWritable() {
        return !chunks.isEmpty() && chunks.stream().allMatch(RemoteChunk::hasRkey);
    }

    public boolean ipcExported() {
        return !chunks.isEmpty() && chunks.stream().allMatch(RemoteChunk::hasIpcHandle);
    }
}
