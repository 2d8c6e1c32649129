package ai.baton.experiments.sweep;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The configurations of a sweep: every P:D ratio with every (prefill TP, decode TP) pair, then the collocated
 * baselines, in that order and without duplicates. Those over the GPU budget are set aside, not dropped silently.
 */
public final class SweepGrid {
    public record Plan(List<ClusterShape> run, List<ClusterShape> overBudget) {}

    private SweepGrid() {}

    /** "3:1,2:1,1:1" into (P, D) pairs; "0:1" is allowed and means collocated. */
    public static List<int[]> ratios(String spec) {
        List<int[]> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) return out;
        for (String s : spec.split(",")) {
            String t = s.trim();
            String[] pd = t.split(":");
            if (pd.length != 2) throw new IllegalArgumentException("--ratios: expected P:D, got '" + t + "'");
            try {
                out.add(new int[]{Integer.parseInt(pd[0].trim()), Integer.parseInt(pd[1].trim())});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--ratios: expected P:D with whole numbers, got '" + t + "'");
            }
        }
        return out;
    }

    public static List<Integer> ints(String spec, String option) {
        List<Integer> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) return out;
        for (String s : spec.split(",")) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v < 1) throw new NumberFormatException();
                out.add(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": expected positive whole numbers, got '" + s.trim() + "'");
            }
        }
        return out;
    }

    /**
     * @param gpuBudget accelerators available; 0 = no limit (CPU runs)
     */
    public static Plan plan(List<int[]> ratios, List<Integer> tpPrefill, List<Integer> tpDecode, List<Integer> collocatedTp,
                            int collocatedReplicas, int gpuBudget) {
        Set<ClusterShape> all = new LinkedHashSet<>();
        for (int[] r : ratios) {
            if (r[0] == 0) {
                for (int t : tpDecode) all.add(new ClusterShape(0, r[1], t, t));
                continue;
            }
            for (int a : tpPrefill) for (int b : tpDecode) all.add(new ClusterShape(r[0], r[1], a, b));
        }
        for (int t : collocatedTp) all.add(new ClusterShape(0, collocatedReplicas, t, t));
        List<ClusterShape> run = new ArrayList<>(), over = new ArrayList<>();
        for (ClusterShape c : all) (gpuBudget > 0 && c.gpus() > gpuBudget ? over : run).add(c);
        return new Plan(run, over);
    }
}
