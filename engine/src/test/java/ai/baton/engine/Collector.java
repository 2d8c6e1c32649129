package ai.baton.engine;

import java.util.ArrayList;
import java.util.List;

/** Collects one request's outputs; tests read its tokens, text and finish. */
public final class Collector implements RequestListener {
    public final List<RequestOutput> outputs = new ArrayList<>();

    @Override
    public synchronized void onOutput(RequestOutput o) {
        if (!outputs.isEmpty() && outputs.getLast().finished()) throw new AssertionError("output after finish: " + o);
        outputs.add(o);
        notifyAll();
    }

    public synchronized int[] tokens() {
        return outputs.stream().filter(o -> o.newToken() >= 0).mapToInt(RequestOutput::newToken).toArray();
    }

    public synchronized String text() {
        StringBuilder sb = new StringBuilder();
        outputs.forEach(o -> sb.append(o.textDelta()));
        return sb.toString();
    }

    public synchronized boolean finished() { return !outputs.isEmpty() && outputs.getLast().finished(); }

    public synchronized FinishReason finish() { return finished() ? outputs.getLast().finish() : null; }

    public synchronized void await(long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!finished() && System.currentTimeMillis() < end) wait(Math.max(1, end - System.currentTimeMillis()));
    }
}
