package ai.baton.engine.sched;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Sequences waiting to be admitted, in the order the scheduling policy serves them. Under FCFS new sequences join
 * the tail and preempted ones the head (they were admitted before everything still waiting); under PRIORITY both
 * take their place by (priority, arrival), after the sequences they tie with.
 */
final class WaitingQueue {
    private final SchedulingPolicy policy;
    private final List<Sequence> queue = new ArrayList<>();

    WaitingQueue(SchedulingPolicy policy) {
        this.policy = policy;
    }

    void add(Sequence s) {
        if (policy == SchedulingPolicy.FCFS) queue.add(s);
        else insertInOrder(s);
    }

    void addPreempted(Sequence s) {
        if (policy == SchedulingPolicy.FCFS) queue.addFirst(s);
        else insertInOrder(s);
    }

    private void insertInOrder(Sequence s) {
        int at = Collections.binarySearch(queue, s, SchedulingPolicy.PRIORITY_ORDER);
        if (at < 0) at = -at - 1;
        while (at < queue.size() && SchedulingPolicy.PRIORITY_ORDER.compare(queue.get(at), s) <= 0) at++;
        queue.add(at, s);
    }

    Sequence peek() { return queue.isEmpty() ? null : queue.getFirst(); }

    Sequence poll() { return queue.isEmpty() ? null : queue.removeFirst(); }

    boolean remove(Sequence s) { return queue.remove(s); }

    boolean isEmpty() { return queue.isEmpty(); }

    int size() { return queue.size(); }
}
