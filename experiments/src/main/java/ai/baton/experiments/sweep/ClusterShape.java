package ai.baton.experiments.sweep;

import java.util.ArrayList;
import java.util.List;

/**
 * One cluster configuration of a sweep: P prefill nodes of TP degree tpPrefill and D decode nodes of TP degree
 * tpDecode. P = 0 is a collocated baseline: decode nodes that prefill their own prompts.
 */
public record ClusterShape(int prefill, int decode, int tpPrefill, int tpDecode) {
    public ClusterShape {
        if (prefill < 0 || decode < 1) throw new IllegalArgumentException("a cluster needs P >= 0 and D >= 1, got " + prefill + ":" + decode);
        if (tpPrefill < 1 || tpDecode < 1) throw new IllegalArgumentException("TP degrees must be >= 1");
        if (prefill == 0) tpPrefill = tpDecode;  // no prefill nodes: their TP is meaningless, keep names unique
    }

    public boolean collocated() { return prefill == 0; }

    /** Accelerators the cluster occupies: P·tp_p + D·tp_d. */
    public int gpus() { return prefill * tpPrefill + decode * tpDecode; }

    /** A directory-safe id: p2d1-tp1-2, or colo-d1-tp2. */
    public String id() {
        return collocated() ? "colo-d" + decode + "-tp" + tpDecode : "p" + prefill + "d" + decode + "-tp" + tpPrefill + "-" + tpDecode;
    }

    /** A label for plots: "2P:1D tp1/2", "collocated tp2". */
    public String label() {
        if (collocated()) return (decode > 1 ? decode + "x " : "") + "collocated tp" + tpDecode;
        return prefill + "P:" + decode + "D tp" + tpPrefill + "/" + tpDecode;
    }

    /** The arguments for {@code baton up}. */
    public List<String> upArgs() {
        List<String> a = new ArrayList<>(List.of("--prefill", Integer.toString(prefill), "--decode", Integer.toString(decode)));
        if (!collocated()) a.addAll(List.of("--tp-prefill", Integer.toString(tpPrefill)));
        a.addAll(List.of("--tp-decode", Integer.toString(tpDecode)));
        return a;
    }
}
