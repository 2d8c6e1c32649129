package ai.baton.engine;

/** Receives a request's outputs, in order, on the engine's thread: implementations must not block. */
@FunctionalInterface
public interface RequestListener {
    void onOutput(RequestOutput output);

    /**
     * Called once, on the engine's thread, when the step that first schedules the request starts.
     *
     * @param queueNanos  time from the request reaching the engine (submit or admission) to that step
     * @param startNanos  the step's start, {@link System#nanoTime()}
     */
    default void onScheduled(long queueNanos, long startNanos) {}
}
