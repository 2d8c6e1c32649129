package ai.baton.engine.template;

import java.util.List;

/** Left-hand side of set / for / with: a name, a tuple of targets, or ns.attr. */
sealed interface Target {
    record Name(String name) implements Target {}

    record Tuple(List<Target> items) implements Target {}

    record NsAttr(String namespace, String attr) implements Target {}
}
