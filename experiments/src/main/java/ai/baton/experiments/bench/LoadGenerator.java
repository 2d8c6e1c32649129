package ai.baton.experiments.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends a list of requests on an arrival schedule, at most {@code maxConcurrency} in flight, each on its own
 * platform thread that blocks on its socket (a virtual thread would add a poller hand-off to every timestamp).
 * As in vLLM, a request's clock starts when it is sent, not when it arrived: time spent waiting for a concurrency
 * slot is the client's queue, not the server's latency.
 */
public final class LoadGenerator {
    /** The outputs in request order, the nanoTime the run began, and its wall time until the last response. */
    public record Outcome(List<RequestOutput> outputs, long startNanos, double durationS) {}

    private LoadGenerator() {}

    public static Outcome run(OpenAiClient client, List<SampleRequest> requests, double[] offsetsS, int maxConcurrency,
                              ProgressListener progress) throws InterruptedException {
        int n = requests.size();
        RequestOutput[] out = new RequestOutput[n];
        Semaphore slots = maxConcurrency > 0 ? new Semaphore(maxConcurrency, true) : null;
        List<Thread> threads = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = t0 + (long) (offsetsS[i] * 1e9);
            for (long wait; (wait = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
            if (Thread.interrupted()) throw new InterruptedException();
            int idx = i;
            threads.add(Thread.ofPlatform().daemon().name("bench-req-" + i).stackSize(256 * 1024).start(() -> {
                boolean acquired = false;
                try {
                    if (slots != null) {
                        slots.acquire();
                        acquired = true;
                    }
                    out[idx] = client.send(requests.get(idx));
                } catch (InterruptedException e) {
                    out[idx] = RequestOutput.failure(System.nanoTime(), 0, requests.get(idx).promptLen(), "interrupted");
                } finally {
                    if (acquired) slots.release();
                    if (out[idx] == null) out[idx] = RequestOutput.failure(System.nanoTime(), 0, requests.get(idx).promptLen(), "no result");
                    progress.done(out[idx]);
                }
            }));
        }
        for (Thread t : threads) t.join();
        double duration = (System.nanoTime() - t0) / 1e9;
        return new Outcome(Arrays.asList(out), t0, duration);
    }

    /** Called once per finished request, from the request's thread. */
    @FunctionalInterface
    public interface ProgressListener {
        void done(RequestOutput r);
    }
}
