package ai.baton.engine.sched;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.TreeSet;

/**
 * Sequences waiting to be admitted, in the order the scheduling policy serves them. Under FCFS new sequences join
 * the tail and preempted ones the head (they were admitted before everything still waiting); under PRIORITY both
 * take their place by (priority, arrival).
 */
final class WaitingQueue {
    /** Priority order, made total by the request id (unique within an engine) for sequences that arrived together. */
    private static final Comparator<Sequence> ORDER = SchedulingPolicy.PRIORITY_ORDER.thenComparing(s -> s.id);

    private final ArrayDeque<Sequence> fcfs;
    private final TreeSet<Sequence> byPriority;

    WaitingQueue(SchedulingPolicy policy) {
        fcfs = policy == SchedulingPolicy.FCFS ? new ArrayDeque<>() : null;
        byPriority = fcfs == null ? new TreeSet<>(ORDER) : null;
    }

    void add(Sequence s) {
        if (fcfs != null) fcfs.addLast(s);
        else byPriority.add(s);
    }

    void addPreempted(Sequence s) {
        if (fcfs != null) fcfs.addFirst(s);
        else byPriority.add(s);
    }

    Sequence peek() { return fcfs != null ? fcfs.peekFirst() : byPriority.isEmpty() ? null : byPriority.first(); }

    Sequence poll() { return fcfs != null ? fcfs.pollFirst() : byPriority.pollFirst(); }

    boolean remove(Sequence s) { return fcfs != null ? fcfs.remove(s) : byPriority.remove(s); }

    boolean isEmpty() { return size() == 0; }

    int size() { return fcfs != null ? fcfs.size() : byPriority.size(); }
}
