package ai.baton.kvtransfer.transport;

/** Copy {@code length} bytes from local address {@code src} to the peer's address {@code dst}. */
public record CopyOp(long src, long dst, long length) {
}
