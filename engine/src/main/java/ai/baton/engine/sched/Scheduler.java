package ai.baton.engine.sched;

import java.util.ArrayList;
import java.util.List;

/**
 * Continuous batching by token budget (vLLM v1 style): each step first advances the running sequences (a decode
 * token, or the next chunk of a long prompt), then admits waiting ones while the budget, the sequence limit and
 * the KV pool allow. When the pool runs out, the most recently admitted sequence is preempted: its blocks are
 * freed and it recomputes later (its prefix is usually still cached). Under the PRIORITY policy both queues are kept
 * in priority order, so the lowest-priority running sequence is the one preempted (as in vLLM).
 */
public final class Scheduler {
    private final BlockManager blocks;
    private final Drafter drafter;
    private static final int[] NO_DRAFT = new int[0];
    private final int maxBatchTokens;
    private final int maxSequences;
    private final SchedulingPolicy policy;
    private final List<Sequence> running = new ArrayList<>();
    private final WaitingQueue waiting;
    private long preemptions;
    /**
     * The most prompt tokens of one sequence per step while its prompt logprobs are collected: each needs a logits row
     * on the host (256 rows of a 152k vocabulary are 156 MB).
     */
    public static final int PROMPT_LOGPROB_CHUNK = 256;

    /** Proposes draft tokens for a sequence's decode step (speculative decoding); an empty array for none. */
    @FunctionalInterface
    public interface Drafter {
        int[] propose(Sequence s, int maxDraft);
    }

    public Scheduler(BlockManager blocks, int maxBatchTokens, int maxSequences) {
        this(blocks, maxBatchTokens, maxSequences, null, SchedulingPolicy.FCFS);
    }

    /** With {@code drafter} (null: no speculation) asked for every running sequence's one-token decode step. */
    public Scheduler(BlockManager blocks, int maxBatchTokens, int maxSequences, Drafter drafter, SchedulingPolicy policy) {
        this.blocks = blocks;
        this.drafter = drafter;
        this.policy = policy;
        this.waiting = new WaitingQueue(policy);
        this.maxBatchTokens = maxBatchTokens;
        this.maxSequences = maxSequences;
    }

    public void add(Sequence s) {
        s.status = SequenceStatus.WAITING;
        waiting.add(s);
    }

    /** Admits a sequence whose prompt KV is already in its blocks; it goes straight to decoding. */
    public void addRunning(Sequence s) {
        s.status = SequenceStatus.RUNNING;
        running.add(s);
    }

    /**
     * A sequence whose prompt KV another node computed into its blocks. Under FCFS it decodes at once while a sequence
     * slot is free (it needs no prefill, so it does not queue behind prompts waiting for KV); otherwise, and always
     * under PRIORITY, it waits holding its blocks and is admitted in the policy's order like any waiting sequence (with
     * nothing left to prefill, its first step is a decode step).
     */
    public void addPrefilled(Sequence s) {
        if (policy == SchedulingPolicy.FCFS && running.size() < maxSequences) addRunning(s);
        else add(s);
    }

    public List<ScheduledChunk> schedule() {
        List<ScheduledChunk> out = new ArrayList<>();
        int budget = maxBatchTokens;
        boolean preempted = false;
        // Highest priority first, so that it gets the budget and the blocks, and the lowest is the one preempted.
        if (policy == SchedulingPolicy.PRIORITY) running.sort(SchedulingPolicy.PRIORITY_ORDER);
        for (int i = 0; i < running.size() && budget > 0; ) {
            Sequence s = running.get(i);
            int n = chunkSize(s, budget);
            int[] draft = draft(s, n, budget);
            // A draft takes blocks only while those of the sequences still to schedule stay free.
            if (draft.length > 0 && blocks.freeBlocks() - blocks.blocksToGrow(s, n + draft.length) >= running.size() - i - 1
                    && blocks.allocate(s, n + draft.length)) {
                out.add(new ScheduledChunk(s, s.numComputed, n, draft));
                budget -= n + draft.length;
                i++;
                continue;
            }
            boolean scheduled = false;  // no draft, or no room for one: the plain step, preempting if need be
            while (true) {
                if (blocks.allocate(s, n)) { scheduled = true; break; }
                Sequence victim = running.removeLast();
                preempt(victim);
                preempted = true;
                if (victim == s) break;
            }
            if (!scheduled) break;
            out.add(new ScheduledChunk(s, s.numComputed, n));
            budget -= n;
            i++;
        }
        if (preempted) return out; // no admissions while memory is short
        while (!waiting.isEmpty() && budget > 0 && running.size() < maxSequences) {
            Sequence s = waiting.peek();
            blocks.claimCachedPrefix(s);
            int n = chunkSize(s, budget);
            if (!blocks.allocate(s, n)) {
                blocks.free(s); // give back the cached prefix until it can run
                s.numComputed = 0;
                break;
            }
            waiting.poll();
            s.status = SequenceStatus.RUNNING;
            running.add(s);
            out.add(new ScheduledChunk(s, s.numComputed, n));
            budget -= n;
        }
        return out;
    }

    /** Draft tokens for a decode step of one token after the first output token, within the step's budget. */
    private int[] draft(Sequence s, int n, int budget) {
        if (drafter == null || n != 1 || s.numComputed != s.length() - 1 || s.outputLength() < 1 || budget < 2)
            return NO_DRAFT;
        return drafter.propose(s, budget - 1);
    }

    private static int chunkSize(Sequence s, int budget) {
        int n = Math.min(s.length() - s.numComputed, budget);
        return s.collectsPromptLogprobs() && s.numComputed < s.promptLength ? Math.min(n, PROMPT_LOGPROB_CHUNK) : n;
    }

    private void preempt(Sequence s) {
        blocks.free(s);
        s.numComputed = 0;
        s.preemptions++;
        s.status = SequenceStatus.WAITING;
        waiting.addPreempted(s);
        preemptions++;
    }

    /** Removes a finished or aborted sequence from whichever queue holds it. */
    public void remove(Sequence s) {
        if (!running.remove(s)) waiting.remove(s);
        s.status = SequenceStatus.FINISHED;
    }

    public List<Sequence> running() { return running; }

    public int numWaiting() { return waiting.size(); }

    public SchedulingPolicy policy() { return policy; }

    public boolean hasWork() { return !running.isEmpty() || !waiting.isEmpty(); }

    public long preemptions() { return preemptions; }

    public BlockManager blocks() { return blocks; }
}
