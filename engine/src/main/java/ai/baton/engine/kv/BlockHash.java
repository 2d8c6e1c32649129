package ai.baton.engine.kv;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Identity of a full KV block's contents: a hash of its parent's hash and its tokens, so equal hashes mean equal
 * prefixes. 128 bits of SHA-256 make accidental collisions negligible.
 */
public record BlockHash(long hi, long lo) {

    public static BlockHash of(BlockHash parent, int[] tokens, int from, int to) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(16 + 4 * (to - from));
            buf.putLong(parent == null ? 0 : parent.hi).putLong(parent == null ? 0 : parent.lo);
            for (int i = from; i < to; i++) buf.putInt(tokens[i]);
            ByteBuffer d = ByteBuffer.wrap(md.digest(buf.array()));
            return new BlockHash(d.getLong(), d.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hashes of the full blocks among the first {@code n} tokens, chained from the start. */
    public static BlockHash[] chain(int[] tokens, int n, int blockSize) {
        BlockHash[] out = new BlockHash[n / blockSize];
        BlockHash parent = null;
        for (int b = 0; b < out.length; b++) {
            parent = of(parent, tokens, b * blockSize, (b + 1) * blockSize);
            out[b] = parent;
        }
        return out;
    }
}
