package ai.baton.engine.guide;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The guides compiled lately, least recently used dropped first, so that requests repeating a schema or a regular
 * expression (the usual case for structured outputs) compile it once: a large regex takes up to about half a second.
 * Thread-safe.
 */
public final class GuideCache {
    private final Map<GuideSpec, Guide> compiled;

    public GuideCache(int capacity) {
        compiled = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<GuideSpec, Guide> e) { return size() > capacity; }
        };
    }

    /**
     * Compiles (or finds) the spec's guide; throws a GuideException saying what is wrong with it. Compiling happens
     * outside the lock, so one slow spec does not hold up the others (two threads may compile the same spec once each).
     */
    public Guide compile(GuideSpec spec) {
        synchronized (compiled) {
            Guide g = compiled.get(spec);
            if (g != null) return g;
        }
        Guide g = Guide.compile(spec);
        synchronized (compiled) {
            Guide first = compiled.putIfAbsent(spec, g);
            return first != null ? first : g;
        }
    }
}
