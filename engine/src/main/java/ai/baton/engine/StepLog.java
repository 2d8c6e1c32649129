package ai.baton.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine's last {@code capacity} steps in a ring of primitive columns: recording a step writes one slot and
 * allocates nothing. The step loop writes, metrics readers take snapshots; a monitor held only for
 * a copy of the columns keeps snapshots consistent at a cost far below a step's.
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

    /** The retained steps, oldest first. Only the column copies hold the lock, so the step loop barely waits. */
    public List<StepRecord> snapshot() {
        long[] s, d;
        int[] p, dec, q;
        long w;
        synchronized (this) {
            s = start.clone();
            d = dur.clone();
            p = prefill.clone();
            dec = decode.clone();
            q = seqs.clone();
            w = written;
        }
        int n = (int) Math.min(w, s.length);
        List<StepRecord> out = new ArrayList<>(n);
        for (long k = w - n; k < w; k++) {
            int i = (int) (k % s.length);
            out.add(new StepRecord(s[i], d[i], p[i], dec[i], q[i]));
        }
        return out;
    }
}
