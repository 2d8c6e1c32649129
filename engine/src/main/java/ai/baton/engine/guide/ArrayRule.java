package ai.baton.engine.guide;

import java.util.List;

/** A JSON array: item i follows prefix[i], later items follow {@code items} (null: no more items). */
final class ArrayRule implements ValueRule {
    static final int UNBOUNDED = Integer.MAX_VALUE;
    static final ArrayRule ANY = new ArrayRule(List.of(), AnyRule.INSTANCE, 0, UNBOUNDED);

    final ValueRule[] prefix;
    final ValueRule items;
    final int minItems;
    final int maxItems;

    ArrayRule(List<ValueRule> prefix, ValueRule items, int minItems, int maxItems) {
        this.prefix = prefix.toArray(ValueRule[]::new);
        this.items = items;
        this.minItems = minItems;
        this.maxItems = maxItems;
    }

    boolean itemAllowed(int index) { return index < maxItems && (index < prefix.length || items != null); }

    ValueRule item(int index) { return index < prefix.length ? prefix[index] : items; }
}
