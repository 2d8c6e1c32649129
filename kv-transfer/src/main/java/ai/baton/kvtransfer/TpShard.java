package ai.baton.kvtransfer;

/**
 * Which KV heads a tensor-parallel rank owns.
 *
 * <p>With {@code tp <= heads} the heads split evenly ({@code heads % tp == 0}); with {@code tp > heads}
 * each head is replicated on {@code tp / heads} consecutive ranks ({@code tp % heads == 0}), as vLLM does.
 */
public final class TpShard {
    private TpShard() {}

    public static void validate(int totalHeads, int tpSize) {
        if (totalHeads <= 0 || tpSize <= 0) {
            throw new IllegalArgumentException("heads and TP size must be positive: heads=" + totalHeads + " tp=" + tpSize);
        }
        if (tpSize <= totalHeads ? totalHeads % tpSize != 0 : tpSize % totalHeads != 0) {
            throw new IllegalArgumentException("TP size " + tpSize + " must divide, or be a multiple of, the "
                    + totalHeads + " KV heads");
        }
    }

    public static HeadRange headsOf(int totalHeads, int tpSize, int rank) {
        validate(totalHeads, tpSize);
        if (rank < 0 || rank >= tpSize) throw new IllegalArgumentException("rank " + rank + " outside TP size " + tpSize);
        if (tpSize <= totalHeads) {
            int per = totalHeads / tpSize;
            return new HeadRange(rank * per, per);
        }
        return new HeadRange(rank / replicas(totalHeads, tpSize), 1);
    }

    /** How many ranks hold a copy of each head (1 unless TP exceeds the head count). */
    public static int replicas(int totalHeads, int tpSize) {
        return tpSize <= totalHeads ? 1 : tpSize / totalHeads;
    }
}
