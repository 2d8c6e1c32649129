package ai.baton.kvtransfer;

/**
 * One registered span of a pool's memory as a peer sees it: base address, length, and what a peer needs to
 * write into it: a packed UCX remote key and/or a 64-byte CUDA IPC handle (either may be empty).
 */
public record RemoteChunk(long base, long length, byte[] rkey, byte[] cudaIpcHandle) {
    public RemoteChunk {
        rkey = rkey == null ? new byte[0] : rkey.clone();
        cudaIpcHandle = cudaIpcHandle == null ? new byte[0] : cudaIpcHandle.clone();
    }

    public boolean contains(long address, long len) {
        return address >= base && address + len <= base + length;
    }

    public boolean hasRkey() {
        return rkey.length > 0;
    }

    public boolean hasIpcHandle() {
        return cudaIpcHandle.length > 0;
    }

    @Override
    public byte[] rkey() {
        return rkey.clone();
    }

    @Override
    public byte[] cudaIpcHandle() {
        return cudaIpcHandle.clone();
    }
}
