package ai.baton.engine.sched;

import ai.baton.engine.FinishReason;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.sampling.Sampler;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.engine.tokenizer.Tokenizer;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's bookkeeping around a forward pass: lays scheduled chunks out as a {@link ForwardBatch}, then
 * advances sequences, samples, detokenizes, checks stop conditions and emits outputs; on finish it frees (or
 * holds) the sequence's blocks.
 */
public final class StepOutputs {
    private final BlockManager blocks;
    private final Tokenizer tokenizer;
    private final Set<Integer> eos;
    private final int vocab;
    private final Map<Sequence, StopChecker> text = new IdentityHashMap<>();

    public StepOutputs(BlockManager blocks, Tokenizer tokenizer, Set<Integer> eos, int vocab) {
        this.blocks = blocks;
        this.tokenizer = tokenizer;
        this.eos = eos;
        this.vocab = vocab;
    }

    /**
     * Lays the chunks out end to end. Logit rows, in order: per chunk, the positions whose logits give a wanted prompt
     * logprob ({@link #promptRows}), then its last position when it samples.
     */
    public static ForwardBatch buildBatch(List<ScheduledChunk> chunks, int blockSize) {
        int total = 0, logitRows = 0;
        for (ScheduledChunk c : chunks) {
            total += c.numTokens();
            logitRows += promptRows(c);
            if (c.samples()) logitRows++;
        }
        int[] tokens = new int[total], positions = new int[total], slots = new int[total];
        int[] starts = new int[chunks.size() + 1], lens = new int[chunks.size()], rows = new int[logitRows];
        int[][] tables = new int[chunks.size()][];
        int t = 0, r = 0;
        for (int i = 0; i < chunks.size(); i++) {
            ScheduledChunk c = chunks.get(i);
            Sequence s = c.sequence();
            starts[i] = t;
            for (int p = c.start(); p < c.start() + c.numTokens(); p++, t++) {
                tokens[t] = s.token(p);
                positions[t] = p;
                slots[t] = s.blocks[p / blockSize] * blockSize + p % blockSize;
                if (s.wantsPromptLogprob(p)) rows[r++] = t;
            }
            lens[i] = c.start() + c.numTokens();
            tables[i] = s.blockTable();
            if (c.samples()) rows[r++] = t - 1;
        }
        starts[chunks.size()] = t;
        return new ForwardBatch(tokens, positions, slots, starts, lens, tables, rows);
    }

    /** How many logit rows of the chunk give prompt logprobs (positions followed by a prompt token not yet scored). */
    public static int promptRows(ScheduledChunk c) {
        Sequence s = c.sequence();
        if (!s.collectsPromptLogprobs()) return 0;
        int n = 0;
        for (int p = c.start(); p < c.start() + c.numTokens(); p++) if (s.wantsPromptLogprob(p)) n++;
        return n;
    }

    /**
     * Takes the chunk's prompt logprobs from the logits, starting at row {@code row} (the chunk's first prompt row in
     * {@link #buildBatch}'s order); returns the row after them.
     */
    public int recordPromptLogprobs(ScheduledChunk c, float[] logits, int row) {
        Sequence s = c.sequence();
        if (!s.collectsPromptLogprobs()) return row;
        for (int p = c.start(); p < c.start() + c.numTokens(); p++) {
            if (!s.wantsPromptLogprob(p)) continue;
            s.promptLogprobs[p + 1] = Sampler.logprobs(logits, row * vocab, vocab, s.token(p + 1), s.params.promptLogprobs());
            row++;
        }
        return row;
    }

    public void track(Sequence s) {
        if (tokenizer != null) text.put(s, new StopChecker(tokenizer.newDecoder(), s.params.stop(), s.params.includeStopStr()));
    }

    public void holdBlocks(Sequence s) { s.holdBlocksOnFinish = true; }

    public void adoptPrefilled(Sequence s, int[] reserved) {
        blocks.adopt(s, reserved);
        s.numComputed = s.promptLength;
        s.cachedPromptTokens = s.promptLength;
        s.promptLogprobs = null;  // the prefilling node returns them
    }

    public void advance(Sequence s, int n) {
        s.numComputed += n;
        blocks.cacheFullBlocks(s);
    }

    /** Samples from logits row {@code row} and appends the token; returns a finish reason or null. */
    public FinishReason sampleAndAccept(Sequence s, float[] logits, int row, int maxModelLen) {
        int off = row * vocab;
        int token;
        if (!s.params.adjustsLogits(s.outputLength())) {
            token = Sampler.sample(logits, off, vocab, s.params, s.rng);
        } else {  // an adjusted copy of the row: the logprobs below stay the raw model's
            float[] adjusted = java.util.Arrays.copyOfRange(logits, off, off + vocab);
            s.params.adjustLogits(adjusted, vocab, s::token, s.promptLength, s.length(), eos);
            if (s.guide != null) {
                s.guide.maskLogits(adjusted, vocab);
                // A finished value ends the output even before min_tokens, which would otherwise leave nothing to draw.
                if (s.outputLength() < s.params.minTokens() && s.guide.isComplete())
                    for (int e : eos) if (e >= 0 && e < vocab) adjusted[e] = logits[off + e];
            }
            token = Sampler.sample(adjusted, 0, vocab, s.params, s.rng);
        }
        TokenLogprobs lp = s.params.logprobs() >= 0 ? Sampler.logprobs(logits, off, vocab, token, s.params.logprobs()) : null;
        return acceptSampled(s, token, lp, maxModelLen);
    }

    /** Appends a token sampled elsewhere (on the device); returns a finish reason or null. */
    public FinishReason acceptSampled(Sequence s, int token, TokenLogprobs lp, int maxModelLen) {
        FinishReason done = acceptToken(s, token, lp);
        if (done == null && s.length() >= maxModelLen) done = FinishReason.LENGTH;
        return done;
    }

    /**
     * The 64 random bits of a sequence's next draw for device sampling (0 for greedy, which draws nothing). It takes
     * the same step of the sequence's generator as a host draw, and a device turns the bits into the same uniform
     * number ({@code bits >>> 11} scaled, as {@code nextDouble} does), so a seeded request continues identically
     * whichever path a step takes.
     */
    public static long randomBits(Sequence s) {
        return s.params.isGreedy() ? 0 : s.rng.nextLong();
    }


    /**
     * Appends a token, emits it and decides whether the sequence is done. The output that carries the finishing
     * token is emitted later by {@link #finish}, so a listener sees exactly one final output.
     */
    public FinishReason acceptToken(Sequence s, int token, TokenLogprobs lp) {
        if (s.guide != null && !s.guide.accept(token)) {  // only a node that sampled without the guide gets here
            s.failure = "token " + token + " does not fit the requested output format";
            return FinishReason.ERROR;
        }
        s.append(token);
        SamplingParams p = s.params;
        boolean special = tokenizer != null && tokenizer.isSpecial(token);
        boolean ends = StopChecker.endsSequence(token, eos, p);
        StopChecker checker = text.get(s);
        String delta = checker == null ? "" : checker.add(token, StopChecker.isText(special, ends, p), s.outputLength() >= p.minTokens());
        FinishReason done = null;
        if (ends) done = FinishReason.STOP;
        else if (checker != null && checker.stopped()) done = FinishReason.STOP;
        else if (s.outputLength() >= p.maxTokens()) done = FinishReason.LENGTH;
        if (done == null) emit(s, token, delta, lp, null, null);
        else pendingLast.put(s, new Pending(token, delta, lp));
        return done;
    }

    private record Pending(int token, String delta, TokenLogprobs lp) {}

    private final Map<Sequence, Pending> pendingLast = new IdentityHashMap<>();

    /** Emits the final output and frees the sequence's blocks, or returns them if it holds them. */
    public int[] finish(Sequence s, FinishReason reason, String error) {
        if (error == null) error = s.failure;
        Pending last = pendingLast.remove(s);
        StopChecker checker = text.remove(s);
        String tail = checker != null && reason != FinishReason.ABORT && reason != FinishReason.ERROR ? checker.flush() : "";
        if (last != null) emit(s, last.token, last.delta + tail, last.lp, reason, error);
        else emit(s, -1, tail, null, reason, error);
        if (s.holdBlocksOnFinish && reason != FinishReason.ABORT && reason != FinishReason.ERROR) {
            int[] kept = s.blockTable();
            s.numBlocks = 0;
            s.numHashedBlocks = 0;
            return kept;
        }
        blocks.free(s);
        return null;
    }

    private void emit(Sequence s, int token, String delta, TokenLogprobs lp, FinishReason finish, String error) {
        List<TokenLogprobs> prompt = null;
        if (token >= 0 && s.promptLogprobs != null) {  // the first token's output carries them, once
            prompt = java.util.Collections.unmodifiableList(java.util.Arrays.asList(s.promptLogprobs));
            s.promptLogprobs = null;
        }
        s.listener.onOutput(new RequestOutput(s.id, token, delta, lp, finish, s.promptLength, s.outputLength(),
                s.cachedPromptTokens, error, prompt));
    }
}
