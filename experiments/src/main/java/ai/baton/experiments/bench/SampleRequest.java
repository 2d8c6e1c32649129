package ai.baton.experiments.bench;

/**
 * One prompt of a benchmark: its text (or token ids, for servers that take them), its length in tokens as the
 * dataset measured it, how many tokens to ask for, and the scheduling priority to send (null: none).
 */
public record SampleRequest(String prompt, int[] promptIds, int promptLen, int outputLen, Integer priority) {
    public SampleRequest {
        if (prompt == null && promptIds == null) throw new IllegalArgumentException("a sample needs a prompt");
        if (outputLen < 1) throw new IllegalArgumentException("output length must be >= 1, got " + outputLen);
    }

    public static SampleRequest text(String prompt, int promptLen, int outputLen) {
        return new SampleRequest(prompt, null, promptLen, outputLen, null);
    }

    public static SampleRequest ids(int[] ids, int outputLen) {
        return new SampleRequest(null, ids, ids.length, outputLen, null);
    }

    public SampleRequest withPriority(int p) {
        return new SampleRequest(prompt, promptIds, promptLen, outputLen, p);
    }
}
