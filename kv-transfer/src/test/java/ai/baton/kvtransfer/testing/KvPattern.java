package ai.baton.kvtransfer.testing;

import ai.baton.kvtransfer.KvPool;
import ai.baton.kvtransfer.KvPoolLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;

/**
 * Deterministic "random" KV content keyed by logical coordinates (layer, K/V, global head, position of the block
 * in the request, token, byte), so a receiver with a different TP split and different block ids can check every
 * byte it got without seeing the sender's memory.
 */
public final class KvPattern {
    private KvPattern() {}

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long rowSeed(long seed, int layer, int kv, int head, int reqBlock, int token) {
        return mix(seed * 0x9E3779B97F4A7C15L + (((((long) layer * 2 + kv) * 4096 + head) * 65536 + reqBlock) * 1024 + token));
    }

    private static void row(long rs, byte[] out) {
        long x = rs;
        for (int i = 0; i < out.length; i += 8) {
            x = mix(x + 0x9E3779B97F4A7C15L);
            for (int j = 0; j < 8 && i + j < out.length; j++) out[i + j] = (byte) (x >>> (8 * j));
        }
    }

    /** Writes the pattern into {@code blocks} (request order) of a host (or simulated-device) pool. */
    public static void fill(KvPool pool, int[] blocks, long seed) {
        KvPoolLayout l = pool.layout();
        byte[] buf = new byte[(int) l.tokenHeadBytes()];
        for (int layer = 0; layer < l.numLayers(); layer++) {
            for (int kv = 0; kv < 2; kv++) {
                MemorySegment seg = kv == 0 ? pool.kSegment(layer) : pool.vSegment(layer);
                for (int i = 0; i < blocks.length; i++) {
                    for (int h = 0; h < l.headCount(); h++) {
                        for (int t = 0; t < l.blockSize(); t++) {
                            row(rowSeed(seed, layer, kv, l.headStart() + h, i, t), buf);
                            MemorySegment.copy(buf, 0, seg, ValueLayout.JAVA_BYTE, l.offset(blocks[i], h, t), buf.length);
                        }
                    }
                }
            }
        }
    }

    /** Counts wrong rows in {@code blocks}, and non-zero bytes in every other block (stray writes). */
    public static Result verify(KvPool pool, int[] blocks, long seed) {
        KvPoolLayout l = pool.layout();
        byte[] want = new byte[(int) l.tokenHeadBytes()], got = new byte[want.length];
        long bad = 0, stray = 0;
        String first = null;
        Set<Integer> reserved = new HashSet<>();
        for (int b : blocks) reserved.add(b);
        for (int layer = 0; layer < l.numLayers(); layer++) {
            for (int kv = 0; kv < 2; kv++) {
                MemorySegment seg = kv == 0 ? pool.kSegment(layer) : pool.vSegment(layer);
                for (int i = 0; i < blocks.length; i++) {
                    for (int h = 0; h < l.headCount(); h++) {
                        for (int t = 0; t < l.blockSize(); t++) {
                            row(rowSeed(seed, layer, kv, l.headStart() + h, i, t), want);
                            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, l.offset(blocks[i], h, t), got, 0, got.length);
                            if (!java.util.Arrays.equals(want, got)) {
                                bad++;
                                if (first == null) first = "layer " + layer + (kv == 0 ? " K" : " V") + " block " + blocks[i] + " head " + (l.headStart() + h) + " token " + t;
                            }
                        }
                    }
                }
                for (int b = 0; b < l.numBlocks(); b++) {
                    if (reserved.contains(b)) continue;
                    MemorySegment blk = seg.asSlice(b * l.blockBytes(), l.blockBytes());
                    if (blk.mismatch(MemorySegment.ofArray(new byte[(int) l.blockBytes()])) >= 0) stray++;
                }
            }
        }
        return new Result(bad, stray, first);
    }

    public record Result(long badRows, long strayBlocks, String firstBad) {
        public boolean ok() {
            return badRows == 0 && strayBlocks == 0;
        }

        @Override
        public String toString() {
            return badRows + " " + strayBlocks + " " + (firstBad == null ? "-" : firstBad.replace(' ', '_'));
        }

        public static Result parse(String s) {
            String[] p = s.trim().split(" ");
            return new Result(Long.parseLong(p[0]), Long.parseLong(p[1]), p[2].equals("-") ? null : p[2]);
        }
    }
}
