package ai.baton.prefill;

import ai.baton.engine.LayerHook;
import ai.baton.engine.ModelRunner;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's layer hook on a prefill node: when a step finishes a request's prompt, each layer's K/V goes to the
 * decode node as soon as it is written, for the request's whole block table (a cached prefix and earlier chunks
 * included), while the next layer computes.
 */
final class LayerPusher implements LayerHook {
    private final Map<String, PrefillJob> jobs = new ConcurrentHashMap<>();
    private final ModelRunner runner;
    private final boolean deviceKv;

    LayerPusher(ModelRunner runner) {
        this.runner = runner;
        this.deviceKv = runner.kvCache(0).onDevice();
    }

    /** False when a job with that id is already running. */
    boolean add(PrefillJob job) { return jobs.putIfAbsent(job.id, job) == null; }

    void remove(PrefillJob job) { jobs.remove(job.id, job); }

    int size() { return jobs.size(); }

    @Override
    public void afterLayer(Step step, int rank, int layer) {
        boolean synced = !deviceKv;
        for (Chunk c : step.chunks()) {
            if (!c.completesPrompt()) continue;
            PrefillJob job = jobs.get(c.requestId());
            if (job == null) continue;
            if (!synced) {
                // On a GPU the layer's kernels are only queued: the K/V must be written before kv-transfer reads it.
                runner.backend(rank).synchronize();
                synced = true;
            }
            job.push(rank, layer, c.blockTable());
        }
    }
}
