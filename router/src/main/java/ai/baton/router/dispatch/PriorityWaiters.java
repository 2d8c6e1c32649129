package ai.baton.router.dispatch;

import java.util.TreeMap;

/**
 * The priorities of the requests waiting at the router for KV room. A request tries for room only while nobody of a
 * higher priority (a lower value) waits, so that room freed on a decode node goes to the most urgent request first,
 * as a node scheduling by priority would do with its own queue. All requests at priority 0 (FCFS clusters) never
 * hold each other back.
 */
final class PriorityWaiters {
    private final TreeMap<Integer, Integer> waiting = new TreeMap<>();

    synchronized void enter(int priority) {
        waiting.merge(priority, 1, Integer::sum);
    }

    synchronized void leave(int priority) {
        waiting.computeIfPresent(priority, (p, n) -> n == 1 ? null : n - 1);
    }

    /** Whether a request of a higher priority than {@code priority} is waiting. */
    synchronized boolean anyAhead(int priority) {
        return !waiting.isEmpty() && waiting.firstKey() < priority;
    }
}
