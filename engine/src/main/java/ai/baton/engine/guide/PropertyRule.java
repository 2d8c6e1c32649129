package ai.baton.engine.guide;

/** One listed property of an object: its key as the JSON string bytes to emit (quotes included). */
record PropertyRule(String name, byte[] key, boolean required, ValueRule value) {}
