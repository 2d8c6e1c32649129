package ai.baton.experiments.enginebench;

import ai.baton.engine.backend.ForwardBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds {@link ForwardBatch}es by hand for benchmarks and checks that drive the model directly (no scheduler):
 * each sequence owns a contiguous run of KV blocks; a step takes a chunk of new tokens from several sequences.
 */
public final class Steps {
    private Steps() {}

    /** One sequence's part of a step: {@code tokens} new tokens starting at position {@code start}. */
    public record Chunk(int[] tokens, int start, int firstBlock, int blocks, boolean wantLogits) {}

    public static ForwardBatch batch(List<Chunk> chunks, int blockSize) {
        int n = 0;
        for (Chunk c : chunks) n += c.tokens.length;
        int[] tokens = new int[n], pos = new int[n], slots = new int[n];
        int[] qs = new int[chunks.size() + 1], ctx = new int[chunks.size()];
        int[][] tables = new int[chunks.size()][];
        List<Integer> logitRows = new ArrayList<>();
        int t = 0;
        for (int s = 0; s < chunks.size(); s++) {
            Chunk c = chunks.get(s);
            qs[s] = t;
            int end = c.start + c.tokens.length;
            int used = (end + blockSize - 1) / blockSize;
            if (used > c.blocks) throw new IllegalArgumentException("sequence " + s + " needs " + used + " blocks, owns " + c.blocks);
            tables[s] = new int[used];
            for (int b = 0; b < used; b++) tables[s][b] = c.firstBlock + b;
            for (int i = 0; i < c.tokens.length; i++, t++) {
                int p = c.start + i;
                tokens[t] = c.tokens[i];
                pos[t] = p;
                slots[t] = tables[s][p / blockSize] * blockSize + p % blockSize;
            }
            ctx[s] = end;
            if (c.wantLogits) logitRows.add(t - 1);
        }
        qs[chunks.size()] = t;
        return new ForwardBatch(tokens, pos, slots, qs, ctx, tables, logitRows.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Every position's logits of one sequence (for causal-mask checks). */
    public static ForwardBatch allRows(int[] prompt, int blockSize) {
        ForwardBatch b = batch(List.of(new Chunk(prompt, 0, 0, (prompt.length + blockSize - 1) / blockSize, true)), blockSize);
        int[] rows = new int[prompt.length];
        for (int i = 0; i < rows.length; i++) rows[i] = i;
        return new ForwardBatch(b.tokens(), b.positions(), b.slots(), b.queryStarts(), b.contextLens(), b.blockTables(), rows);
    }

    public static double relativeL2(float[] a, int aOff, float[] b, int bOff, int n) {
        double num = 0, den = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) a[aOff + i] - b[bOff + i];
            num += d * d;
            den += (double) b[bOff + i] * b[bOff + i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    public static int argmax(float[] l, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (l[off + i] > l[off + best]) best = i;
        return best;
    }
}
