package ai.baton.engine.sched;

import java.util.Comparator;
import java.util.Locale;

/**
 * The order in which an engine serves its requests (vLLM's {@code --scheduling-policy}). FCFS: arrival order, and a
 * preempted sequence goes back to the head of the queue. PRIORITY: by each request's priority (lower is served first),
 * then arrival; running sequences are scheduled in that order too, so when KV blocks run out the sequence with the
 * highest priority value (latest arrival among equals) is preempted first.
 */
public enum SchedulingPolicy {
    FCFS,
    PRIORITY;

    /** Priority order: lower priority values first, then earlier arrivals. */
    static final Comparator<Sequence> PRIORITY_ORDER =
            Comparator.comparingInt((Sequence s) -> s.params.priority()).thenComparingLong(s -> s.arrivalNanos);

    /** "fcfs" or "priority" (case-insensitive); an IllegalArgumentException naming the choices otherwise. */
    public static SchedulingPolicy parse(String name) {
        if (name != null) {
            for (SchedulingPolicy p : values()) if (p.name().equalsIgnoreCase(name.trim())) return p;
        }
        throw new IllegalArgumentException("--scheduling-policy must be fcfs or priority, got " + name);
    }

    /** The name on the command line and in the node's registration. */
    public String cliName() { return name().toLowerCase(Locale.ROOT); }
}
