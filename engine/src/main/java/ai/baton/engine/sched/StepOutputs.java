package ai.baton.engine.sched;

import ai.baton.engine.FinishReason;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.sampling.LogitEdits;
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
     * Lays the chunks out end to end, each chunk's draft tokens (if any) after its own. Logit rows, in order: per
     * chunk, the positions whose logits give a wanted prompt logprob ({@link #promptRows}), then, when it samples, its
     * last position and each draft position ({@link #sampleRows}).
     */
    public static ForwardBatch buildBatch(List<ScheduledChunk> chunks, int blockSize) {
        int total = 0, logitRows = 0;
        for (ScheduledChunk c : chunks) {
            total += c.forwardTokens();
            logitRows += promptRows(c) + sampleRows(c);
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
            int[] draft = c.draft();
            for (int d = 0; d < draft.length; d++, t++) {
                int p = c.start() + c.numTokens() + d;
                tokens[t] = draft[d];
                positions[t] = p;
                slots[t] = s.blocks[p / blockSize] * blockSize + p % blockSize;
            }
            lens[i] = c.start() + c.forwardTokens();
            tables[i] = s.blockTable();
            if (c.samples()) for (int k = draft.length + 1; k >= 1; k--) rows[r++] = t - k;
        }
        starts[chunks.size()] = t;
        return new ForwardBatch(tokens, positions, slots, starts, lens, tables, rows);
    }

    /** Logit rows the chunk samples from: none, or its last token's and one per draft token. */
    public static int sampleRows(ScheduledChunk c) {
        return c.samples() ? 1 + c.draft().length : 0;
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

    /**
     * The edits that {@link #sampleAndAccept} would make to the sequence's next row, for a device to make instead
     * (null when the row is drawn as it is).
     */
    public LogitEdits logitEdits(Sequence s) {
        if (!s.params.adjustsLogits(s.outputLength())) return null;
        int[] prompt = s.params.penalties().repetition() != 1 ? s.distinctPromptTokens(vocab) : new int[0];
        return LogitEdits.of(s.params, prompt, s::token, s.promptLength, s.length(), eos, vocab,
                s.guide != null ? s.guide.allowedTokens() : null, s.guide != null && s.guide.isComplete());
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

    /**
     * What a sampling chunk added: {@code tokens} appended (at least one unless it failed), of which
     * {@code draftAccepted} were its draft tokens confirmed, and a finish reason or null.
     */
    public record Accepted(int tokens, int draftAccepted, FinishReason finish) {}

    /**
     * Samples a chunk's rows in order, starting at logit row {@code row}: from the host {@code logits}, or the ids
     * {@code sampled} on the device (with their logprobs, where wanted, in {@code sampledLogprobs}). Row i follows draft token i-1, so it counts only while every draft token before
     * it was what the model itself drew; the first disagreement (or the row after the whole draft) gives the last
     * token of the step. Each row is drawn exactly as a plain decode step would draw it (same adjustments, same
     * random number), so the output is the one the sequence would have produced without speculation. A confirmed
     * draft token's K/V, computed in this step, becomes part of the sequence.
     */
    public Accepted acceptChunk(ScheduledChunk c, float[] logits, int[] sampled, TokenLogprobs[] sampledLogprobs, int row, int maxModelLen) {
        Sequence s = c.sequence();
        int[] draft = c.draft();
        int emitted = 0, confirmed = 0;
        FinishReason done = null;
        for (int i = 0; i <= draft.length; i++) {
            int before = s.length();
            done = sampled != null ? acceptSampled(s, sampled[row + i], sampledLogprobs == null ? null : sampledLogprobs[row + i], maxModelLen)
                    : sampleAndAccept(s, logits, row + i, maxModelLen);
            if (s.length() == before) break;  // refused by its guide
            emitted++;
            if (done != null || i == draft.length || s.token(before) != draft[i]) break;
            confirmed++;
            advance(s, 1);
        }
        if (sampled != null && !s.params.isGreedy()) s.rng.skip(emitted);
        return new Accepted(emitted, confirmed, done);
    }

    /**
     * The random bits of a device draw for each of the chunk's sampling rows (0 for greedy): row i gets the sequence's
     * i-th next draw, which {@link #acceptChunk} takes only if the row's token is kept. A device turns the bits into
     * the same uniform number as a host draw ({@code bits >>> 11} scaled, as {@code nextDouble} does), so a seeded
     * request continues identically whichever path a step takes.
     */
    public static void randomBits(ScheduledChunk c, long[] out, int row) {
        Sequence s = c.sequence();
        for (int i = 0; i < sampleRows(c); i++) out[row + i] = s.params.isGreedy() ? 0 : s.rng.peekLong(i);
    }

    /** Appends a token sampled elsewhere (on the device); returns a finish reason or null. */
    public FinishReason acceptSampled(Sequence s, int token, TokenLogprobs lp, int maxModelLen) {
        FinishReason done = acceptToken(s, token, lp);
        if (done == null && s.length() >= maxModelLen) done = FinishReason.LENGTH;
        return done;
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
