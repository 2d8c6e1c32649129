package ai.baton.engine.sched;

import ai.baton.engine.RequestListener;
import ai.baton.engine.guide.RequestGuide;
import ai.baton.engine.sampling.RequestRandom;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.LogitEdits;

import java.util.Arrays;

/**
 * One request inside the engine. Its tokens are the prompt followed by what it generated; {@code numComputed} says
 * how many of them have K/V in the cache. The scheduler only ever catches {@code numComputed} up to the token count,
 * whether that means a prefill chunk, a decode step, or recomputing after preemption.
 */
public final class Sequence {
    public final String id;
    public final int promptLength;
    public final SamplingParams params;
    public final RequestListener listener;
    public final RequestRandom rng;
    public final long arrivalNanos;
    /** Structured outputs: masks this sequence's logits and follows its tokens; null without a guide. */
    public final RequestGuide guide;

    private int[] tokens;
    private int length;
    int numComputed;
    /** Block ids holding this sequence's KV, in order. */
    int[] blocks = new int[4];
    int numBlocks;
    /** Full blocks already registered in the prefix cache. */
    int numHashedBlocks;
    SequenceStatus status = SequenceStatus.WAITING;
    int cachedPromptTokens;
    int preemptions;
    /** Keep the KV blocks when the sequence finishes (a prefill whose KV is still to be sent). */
    boolean holdBlocksOnFinish;
    volatile boolean abortRequested;
    private boolean scheduled;
    /**
     * Prompt logprobs being collected (entry p for prompt token p, entry 0 always null), until they go out with the
     * first token; null when not requested, computed elsewhere, or already sent.
     */
    TokenLogprobs[] promptLogprobs;
    /** Why the sequence must end in error (a token its guide refused), reported when it finishes. */
    String failure;

    public Sequence(String id, int[] prompt, SamplingParams params, RequestListener listener, long arrivalNanos) {
        this(id, prompt, params, listener, arrivalNanos, null);
    }

    public Sequence(String id, int[] prompt, SamplingParams params, RequestListener listener, long arrivalNanos, RequestGuide guide) {
        this.id = id;
        this.guide = guide;
        this.promptLength = prompt.length;
        this.params = params;
        this.listener = listener;
        this.arrivalNanos = arrivalNanos;
        this.rng = params.seed() != null ? new RequestRandom(params.seed()) : new RequestRandom();
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(params.maxTokens(), 1 << 16) + 1);
        this.length = prompt.length;
        this.promptLogprobs = params.promptLogprobs() >= 0 ? new TokenLogprobs[prompt.length] : null;
    }

    public int length() { return length; }

    public int numComputed() { return numComputed; }

    public int outputLength() { return length - promptLength; }

    public int token(int i) { return tokens[i]; }

    /** The backing array; valid up to {@link #length()}. */
    public int[] tokensArray() { return tokens; }

    public int[] outputTokens() { return Arrays.copyOfRange(tokens, promptLength, length); }

    /**
     * The prompt's distinct token ids below {@code vocab}, ascending, computed on first use (the prompt never changes):
     * what a repetition penalty touches besides the output, without a pass over a long prompt at every step.
     */
    public int[] distinctPromptTokens(int vocab) {
        if (distinctPromptTokens == null) distinctPromptTokens = LogitEdits.distinctTokens(this::token, 0, promptLength, vocab);
        return distinctPromptTokens;
    }

    private int[] distinctPromptTokens;

    public int[] blockTable() { return Arrays.copyOf(blocks, numBlocks); }

    public SequenceStatus status() { return status; }

    public int cachedPromptTokens() { return cachedPromptTokens; }

    public int preemptions() { return preemptions; }

    /** Whether the logits after position {@code p} are still wanted for the prompt token that follows it. */
    public boolean wantsPromptLogprob(int p) {
        return promptLogprobs != null && p + 1 < promptLength && promptLogprobs[p + 1] == null;
    }

    /** Whether the prompt's KV must be computed here rather than taken from the prefix cache (its logits are wanted). */
    boolean collectsPromptLogprobs() { return promptLogprobs != null; }

    /** Records that a step scheduled this sequence; true the first time only (its queue time ends there). */
    public boolean markScheduled() {
        if (scheduled) return false;
        scheduled = true;
        return true;
    }

    void append(int token) {
        if (length == tokens.length) tokens = Arrays.copyOf(tokens, tokens.length * 2);
        tokens[length++] = token;
    }

    void addBlock(int b) {
        if (numBlocks == blocks.length) blocks = Arrays.copyOf(blocks, blocks.length * 2);
        blocks[numBlocks++] = b;
    }
}
