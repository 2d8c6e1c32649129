package ai.baton.kvtransfer;

/** A half-open range of KV heads, {@code [start, start + count)}, in global head numbering. */
public record HeadRange(int start, int count) {
    public HeadRange {
        if (start < 0 || count <= 0) throw new IllegalArgumentException("bad head range " + start + "+" + count);
    }

    public int end() {
        return start + count;
    }

    public boolean contains(int head) {
        return head >= start && head < end();
    }

    @Override
    public String toString() {
        return "[" + start + "," + end() + ")";
    }
}
