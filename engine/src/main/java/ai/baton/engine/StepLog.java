package ai.baton.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine's last {@code capacity} steps in a ring of primitive columns: recording a step writes one slot and
 * allocates nothing. The step loop writes, metrics readers take snapshots; an uncontended monitor is cheaper than
 * the step by orders of magnitude, so plain locking keeps snapshots consistent.
 */
public final class StepLog {
    private final long[] start, dur;
    private final int[] prefill, decode, seqs;
    private long written;

    public StepLog(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("step log capacity must be >= 1, got " + capacity);
        start = new long[capacity];
        dur = new long[capacity];
        prefill = new int[capacity];
        decode = new int[capacity];
        seqs = new int[capacity];
    }

    public synchronized void add(long startMicros, long durMicros, int prefillTokens, int decodeTokens, int numSeqs) {
        int i = (int) (written % start.length);
        start[i] = startMicros;
        dur[i] = durMicros;
        prefill[i] = prefillTokens;
        decode[i] = decodeTokens;
        seqs[i] = numSeqs;
        written++;
    }

    /** The retained steps, oldest first. */
    public synchronized List<StepRecord> snapshot() {
        int n = (int) Math.min(written, start.length);
        List<StepRecord> out = new ArrayList<>(n);
        for (long k = written - n; k < written; k++) {
            int i = (int) (k % start.length);
            out.add(new StepRecord(start[i], dur[i], prefill[i], decode[i], seqs[i]));
        }
        return out;
    }

    /** Steps recorded since the engine started, including those the ring no longer holds. */
    public synchronized long total() { return written; }

    public int capacity() { return start.length; }
}
