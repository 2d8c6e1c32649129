package ai.baton.experiments.bench;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr, redrawn with '\r' on a terminal; in a log (no console) it prints a line
 * every tenth of the way instead, so sweep logs stay readable.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final int total;
    private final boolean enabled;
    private final boolean tty;
    private final long start = System.nanoTime();
    private int done, failed, lastDecile = -1;
    private long lastDraw;

    ProgressBar(PrintStream out, int total, boolean enabled) {
        this.out = out;
        this.total = total;
        this.enabled = enabled && total > 0;
        this.tty = System.console() != null;
    }

    synchronized void step(boolean ok) {
        done++;
        if (!ok) failed++;
        if (!enabled) return;
        long now = System.nanoTime();
        if (tty) {
            if (done == total || now - lastDraw > 100_000_000L) {
                lastDraw = now;
                out.print("\r" + line(now));
                if (done == total) out.println();
                out.flush();
            }
        } else {
            int decile = done * 10 / total;
            if (decile != lastDecile) {
                lastDecile = decile;
                out.println(line(now));
            }
        }
    }

    private String line(long now) {
        int filled = total == 0 ? WIDTH : done * WIDTH / total;
        double secs = (now - start) / 1e9;
        double eta = done == 0 ? 0 : secs / done * (total - done);
        return String.format("%3d%% |%s%s| %d/%d [%.1fs<%.1fs, %.2f req/s]%s", done * 100 / total,
                "#".repeat(filled), " ".repeat(WIDTH - filled), done, total, secs, eta, done / Math.max(secs, 1e-9),
                failed > 0 ? " failed " + failed : "");
    }
}
