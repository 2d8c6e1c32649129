package ai.baton.engine.guide;

import java.util.List;

/**
 * A JSON object. With listed properties, keys come in the listed order, optional ones may be skipped and
 * nothing else may appear. Without them ({@code freeValues} set), any string keys with values of that rule.
 */
final class ObjectRule implements ValueRule {
    static final ObjectRule ANY = new ObjectRule(List.of(), AnyRule.INSTANCE);

    final PropertyRule[] properties;
    /** Non-null only when no properties are listed: every key is free and its value follows this rule. */
    final ValueRule freeValues;
    /** firstRequiredFrom[i]: the first required property at index ≥ i, or properties.length. */
    private final int[] firstRequiredFrom;

    ObjectRule(List<PropertyRule> properties, ValueRule freeValues) {
        if (!properties.isEmpty() && freeValues != null) throw new IllegalArgumentException("free keys only without listed properties");
        this.properties = properties.toArray(PropertyRule[]::new);
        this.freeValues = freeValues;
        int n = this.properties.length;
        this.firstRequiredFrom = new int[n + 1];
        firstRequiredFrom[n] = n;
        for (int i = n - 1; i >= 0; i--) firstRequiredFrom[i] = this.properties[i].required() ? i : firstRequiredFrom[i + 1];
    }

    boolean freeKeys() { return freeValues != null; }

    /** Whether '}' may follow once the properties before index next are done. */
    boolean canClose(int next) { return freeKeys() || firstRequiredFrom[next] == properties.length; }

    /** The last property that may come next: the first required one at or after next, else the last one. */
    int lastCandidate(int next) { return Math.min(firstRequiredFrom[next], properties.length - 1); }
}
