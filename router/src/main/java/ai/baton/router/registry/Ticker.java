package ai.baton.router.registry;

/** A source of nanoseconds, injected so timeouts are testable without sleeping (like Caffeine's Ticker). */
@FunctionalInterface
public interface Ticker {
    long nanos();

    static Ticker system() { return System::nanoTime; }
}
