package ai.baton.engine;

import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.guide.GuideException;
import ai.baton.engine.guide.Guides;
import ai.baton.engine.guide.RequestGuide;
import ai.baton.engine.kv.HostKvTier;
import ai.baton.engine.model.GenerationConfig;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.sampling.LogitEdits;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.engine.sched.BlockManager;
import ai.baton.engine.sched.ScheduledChunk;
import ai.baton.engine.sched.Scheduler;
import ai.baton.engine.sched.SchedulingPolicy;
import ai.baton.engine.sched.Sequence;
import ai.baton.engine.sched.StepOutputs;
import ai.baton.engine.spec.NgramProposer;
import ai.baton.engine.spec.SpeculativeConfig;
import ai.baton.engine.tokenizer.Tokenizer;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.SafetensorsWeights;
import ai.baton.engine.weights.SyntheticWeights;
import ai.baton.engine.weights.WeightSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The model runtime of a node: accepts requests, schedules them in continuously batched steps, runs the model and
 * streams tokens to each request's listener. All state is owned by one thread (the step loop, or the caller in
 * synchronous use); other threads talk to it through a command queue, so there are no locks on the hot path.
 */
public final class LlmEngine implements AutoCloseable {
    private final EngineConfig config;
    private final ModelConfig model;
    private final WeightSource weights;
    private final Tokenizer tokenizer;
    private final ModelRunner runner;
    private final BlockManager blocks;
    private final Scheduler scheduler;
    private final StepOutputs outputs;
    private final Set<Integer> eosIds = new HashSet<>();
    private final Guides guides;
    private final int maxModelLen;
    private final Map<String, Sequence> live = new HashMap<>();
    private final Map<String, int[]> held = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Thread loop;
    private volatile boolean closed;
    private volatile EngineStats stats;
    private volatile LayerHook layerHook;
    private long steps, promptTokens, generatedTokens, busyNanos;
    /** Speculative decoding: sequence steps that carried a draft, draft tokens run, and draft tokens kept. */
    private long specDrafts, specDraftTokens, specAcceptedTokens;
    /** The last steps, for {@code /debug/steps}; as many as a few minutes of decode steps on a GPU. */
    private final StepLog stepLog = new StepLog(STEP_LOG_CAPACITY);
    /** Epoch nanoseconds minus {@link System#nanoTime()}, fixed at start: step times on the wall clock, cheaply. */
    private final long epochOffsetNanos;
    /** Sample on the backend (only ids cross to the host) when no sequence needs the logits themselves. */
    private volatile boolean sampleOnDevice;
    private volatile long hostLogitSteps;
    private java.util.concurrent.ExecutorService editPool;

    public static final int STEP_LOG_CAPACITY = 16_384;

    private LlmEngine(EngineConfig config, ModelConfig model, WeightSource weights, Tokenizer tokenizer,
                      GenerationConfig gen, ai.baton.engine.backend.KvCacheAllocator kvAllocator) {
        this.config = config;
        this.model = model;
        this.weights = weights;
        this.tokenizer = tokenizer;
        eosIds.addAll(model.eosTokenIds());
        eosIds.addAll(gen.eosTokenIds());
        int tp = Math.max(1, config.tensorParallel());
        int numBlocks = config.kvBlocks() > 0 ? config.kvBlocks() : kvBlocksFor(config, model, tp);
        if (numBlocks < 2) throw new EngineException("KV cache too small: " + numBlocks + " blocks");
        this.runner = new ModelRunner(model, weights, config, numBlocks, kvAllocator);
        HostKvTier tier = null;
        try {
            tier = offloadTier(config, runner);
        } catch (RuntimeException e) {
            runner.close();
            throw e;
        }
        this.blocks = new BlockManager(numBlocks, config.blockSize(), config.prefixCaching(), tier);
        int limit = config.maxModelLen() > 0 ? config.maxModelLen() : model.maxPositionEmbeddings();
        this.maxModelLen = Math.min(limit, numBlocks * config.blockSize());
        this.scheduler = new Scheduler(blocks, config.maxBatchTokens(), config.maxSequences(), drafter(config.speculative()),
                config.schedulingPolicy());
        this.outputs = new StepOutputs(blocks, tokenizer, eosIds, model.vocabSize());
        this.guides = new Guides(tokenizer, model.vocabSize(), eosIds);
        java.time.Instant now = java.time.Instant.now();
        this.epochOffsetNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
        // On the CPU the logits are on the host already (tests turn the device path on to run it there too).
        this.sampleOnDevice = !"cpu".equals(config.backend());
        refreshStats();
    }

    /**
     * Speculative decoding's proposer, or null when off. A draft never runs past the request's max_tokens (the step
     * adds one token of its own after the draft) or the model's length.
     */
    private static final int[] NO_DRAFT = new int[0];

    private Scheduler.Drafter drafter(SpeculativeConfig spec) {
        if (!spec.enabled()) return null;
        NgramProposer ngram = new NgramProposer(spec.lookupMin(), spec.lookupMax());
        return (s, maxDraft) -> {
            if (!spec.draftsAt(scheduler.running().size())) return NO_DRAFT;
            int n = Math.min(Math.min(maxDraft, spec.numTokens()),
                    Math.min(s.params.maxTokens() - s.outputLength(), maxModelLen - s.length()) - 1);
            return ngram.propose(s.tokensArray(), s.length(), n);
        };
    }

    /**
     * The host tier behind the prefix cache, sized from {@link EngineConfig#kvOffloadBytes} (per rank) over a rank's
     * share of a block, with the runner's host memory for it; null when there is none (or no prefix caching to back).
     */
    private static HostKvTier offloadTier(EngineConfig config, ModelRunner runner) {
        if (config.kvOffloadBytes() <= 0 || !config.prefixCaching()) return null;
        long perBlock = ai.baton.engine.backend.HostKvMemory.slotBytes(runner.kvLayout());
        long slots = config.kvOffloadBytes() / perBlock;
        if (slots < 1)
            throw new EngineException("--kv-offload-mib is too small: one KV block of every layer takes " + (perBlock + (1 << 20) - 1) / (1 << 20) + " MiB");
        if (slots > Integer.MAX_VALUE) throw new EngineException("--kv-offload-mib is too large");
        runner.enableKvOffload((int) slots);
        return new HostKvTier((int) slots);
    }

    /** Hands the offload tier's queued copies to the runner; with {@code now}, runs them before returning. */
    private void settleKvCopies(boolean now) {
        HostKvTier tier = blocks.tier();
        if (tier == null) return;
        runner.queueKvCopies(tier.takePending());
        if (!now) return;
        try {
            runner.flushKvCopies();
        } catch (RuntimeException e) {
            forgetOffloadedBlocks();
            throw e;
        }
    }

    /** Loads a model directory (or synthetic weights for a config) and builds the runtime. */
    public static LlmEngine open(EngineConfig config) {
        return open(config, ai.baton.engine.backend.KvCacheAllocator.BACKEND);
    }

    /** As {@link #open(EngineConfig)}, with the KV cache memory of each rank supplied by {@code kvAllocator}. */
    public static LlmEngine open(EngineConfig config, ai.baton.engine.backend.KvCacheAllocator kvAllocator) {
        ModelConfig model;
        WeightSource weights;
        Tokenizer tokenizer = null;
        GenerationConfig gen = GenerationConfig.empty();
        if (config.syntheticConfig() != null) {
            model = ModelConfig.load(config.syntheticConfig());
            weights = new SyntheticWeights(model, DType.fromTorchName(model.torchDtype()), 42);
        } else {
            Path dir = config.modelDir();
            if (dir == null || !Files.isDirectory(dir)) throw new EngineException("model directory not found: " + dir);
            model = ModelConfig.load(dir.resolve("config.json"));
            weights = SafetensorsWeights.open(dir);
            gen = GenerationConfig.load(dir.resolve("generation_config.json"));
        }
        Path tokDir = config.modelDir() != null ? config.modelDir() : null;
        try {
            if (tokDir != null && Files.isRegularFile(tokDir.resolve("tokenizer.json"))) tokenizer = Tokenizer.load(tokDir);
            return new LlmEngine(config, model, weights, tokenizer, gen, kvAllocator);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    private static int kvBlocksFor(EngineConfig c, ModelConfig m, int tp) {
        int kvPerRank = Math.max(1, m.numKvHeads() / tp);
        long bytesPerBlock = 2L * m.numLayers() * kvPerRank * m.headDim() * c.blockSize() * ("cpu".equals(c.backend()) ? 4 : 2);
        return (int) Math.min(Integer.MAX_VALUE, c.kvCacheBytes() / bytesPerBlock);
    }

    // ---------------------------------------------------------------- requests

    /** Checks a prompt against the model; throws an EngineException with an OpenAI-style message. */
    public void validatePrompt(int[] prompt, SamplingParams params) {
        if (prompt.length == 0) throw new EngineException("the prompt must contain at least one token");
        for (int t : prompt)
            if (t < 0 || t >= model.vocabSize()) throw new EngineException("token id " + t + " is outside the vocabulary (size " + model.vocabSize() + ")");
        if (prompt.length >= maxModelLen)
            throw new EngineException("This model's maximum context length is " + maxModelLen + " tokens. However, you requested "
                    + (prompt.length + params.maxTokens()) + " tokens (" + prompt.length + " in the prompt, " + params.maxTokens()
                    + " for the completion). Please reduce the length of the prompt.");
        params.validate();
        if (params.priority() != 0 && config.schedulingPolicy() != SchedulingPolicy.PRIORITY)
            throw new EngineException("priority " + params.priority() + " needs priority scheduling, and this engine serves"
                    + " requests first come, first served (start it with --scheduling-policy priority)");
        if (params.guide() != null) {
            try {
                guides.compile(params.guide());
            } catch (GuideException e) {
                throw new EngineException(e.getMessage());
            }
        }
    }

    /** A new sequence, with its guide started when the request asks for structured output. */
    private Sequence sequence(String id, int[] prompt, SamplingParams params, RequestListener listener) {
        validatePrompt(prompt, params);
        RequestGuide guide = null;
        if (params.guide() != null) {
            try {
                guide = guides.start(params.guide());
            } catch (GuideException e) {
                throw new EngineException(e.getMessage());
            }
        }
        return new Sequence(id, prompt, params, listener, System.nanoTime(), guide);
    }

    /** Queues a request; its outputs go to {@code listener}. Returns the request id. */
    public String submit(String requestId, int[] prompt, SamplingParams params, RequestListener listener) {
        String id = requestId != null ? requestId : "req-" + ids.incrementAndGet();
        Sequence s = sequence(id, prompt, params, listener);
        command(() -> {
            if (live.containsKey(id)) {
                listener.onOutput(new RequestOutput(id, -1, "", null, FinishReason.ERROR, prompt.length, 0, 0, "duplicate request id " + id));
                return;
            }
            live.put(id, s);
            outputs.track(s);
            promptTokens += prompt.length;
            scheduler.add(s);
        });
        return id;
    }

    /** Cancels a request; its blocks are freed and its listener gets a final ABORT output. */
    public void abort(String requestId) {
        command(() -> {
            Sequence s = live.get(requestId);
            if (s != null) finish(s, FinishReason.ABORT, null);
        });
    }

    // ---------------------------------------------------------------- disaggregation hooks

    /** Reserves KV blocks for {@code tokens} tokens whose KV another node will write; null if the pool is short. */
    public int[] reserveBlocks(int tokens) {
        return call(() -> {
            int[] reserved = blocks.reserve(blocks.blocksFor(tokens));
            // Blocks this reservation took from the prefix cache are saved to the offload tier before a remote writer
            // can overwrite them.
            try {
                settleKvCopies(true);
            } catch (RuntimeException e) {
                if (reserved != null) blocks.release(reserved);
                throw e;
            }
            return reserved;
        });
    }

    public void releaseBlocks(int[] reserved) {
        call(() -> { blocks.release(reserved); return null; });
    }

    /**
     * Admits a request whose prompt KV a remote prefill wrote into {@code reserved}, with the first token it
     * sampled; decoding continues from there. Ownership of the blocks passes to the request.
     */
    public String admitPrefilled(String requestId, int[] prompt, int firstToken, SamplingParams params, int[] reserved,
                                 RequestListener listener) {
        Sequence s = sequence(requestId, prompt, params, listener);
        command(() -> {
            if (live.containsKey(requestId)) {
                blocks.release(reserved);
                listener.onOutput(new RequestOutput(requestId, -1, "", null, FinishReason.ERROR, prompt.length, 0, 0, "duplicate request id " + requestId));
                return;
            }
            live.put(requestId, s);
            outputs.track(s);
            outputs.adoptPrefilled(s, reserved);
            // The remote prefill drew the first token's random number: consume it, so that seeded sampling goes on
            // exactly as if this engine had sampled the first token itself.
            if (!params.isGreedy()) s.rng.nextDouble();
            promptTokens += prompt.length;
            FinishReason done = outputs.acceptToken(s, firstToken, null);
            if (done != null) { finish(s, done, null); return; }
            scheduler.addPrefilled(s);
        });
        return requestId;
    }

    /**
     * Keeps a request's KV blocks after it finishes (a prefill whose KV is yet to be sent); they are listed by
     * {@link #heldBlocks} and returned with {@link #releaseHeld}.
     */
    public String submitHolding(String requestId, int[] prompt, SamplingParams params, RequestListener listener) {
        Sequence s = sequence(requestId, prompt, params, listener);
        outputs.holdBlocks(s);
        command(() -> {
            live.put(requestId, s);
            outputs.track(s);
            promptTokens += prompt.length;
            scheduler.add(s);
        });
        return requestId;
    }

    public int[] heldBlocks(String requestId) { return call(() -> held.get(requestId)); }

    /** Removes a finished request's held blocks from the engine's books and hands their ownership to the caller. */
    public int[] takeHeld(String requestId) { return call(() -> held.remove(requestId)); }

    public void releaseHeld(String requestId) {
        call(() -> {
            int[] b = held.remove(requestId);
            if (b != null) blocks.release(b);
            return null;
        });
    }

    /** Installs the per-layer callback (prefill nodes push KV from it); null removes it. */
    public void setLayerHook(LayerHook hook) { this.layerHook = hook; }

    // ---------------------------------------------------------------- the step loop

    /** Runs one scheduling step on the calling thread. Returns false when there was nothing to do. */
    public boolean step() {
        drainCommands();
        long t0 = System.nanoTime();
        List<ScheduledChunk> chunks = scheduler.schedule();
        if (chunks.isEmpty()) {
            settleKvCopies(true);  // an admission that found no room may have queued copies: none stay pending
            refreshStats();
            return false;
        }
        int prefillTokens = 0, decodeTokens = 0;
        boolean needLogits = false;
        for (ScheduledChunk c : chunks) {
            Sequence s = c.sequence();
            if (s.markScheduled()) s.listener.onScheduled(t0 - s.arrivalNanos, t0);
            if (c.numTokens() == 1 && c.start() >= s.promptLength) decodeTokens += c.forwardTokens();
            else prefillTokens += c.numTokens();
            if (c.samples() && needsHostLogits(s, c)) needLogits = true;
            if (StepOutputs.promptRows(c) > 0) needLogits = true;
        }
        try {
            forwardAndSample(chunks, needLogits);
        } finally {
            long dur = System.nanoTime() - t0;
            busyNanos += dur;
            stepLog.add((t0 + epochOffsetNanos) / 1000, dur / 1000, prefillTokens, decodeTokens, chunks.size());
            refreshStats();
        }
        return true;
    }

    /**
     * Whether the chunk's sampling rows need the logits on the host: where their edits would depend on draft tokens
     * (a row's penalties count the draft tokens before it), or where the device way is turned off. Logprobs alone
     * do not: they come from each row's raw logits, draft or not.
     */
    private boolean needsHostLogits(Sequence s, ScheduledChunk c) {
        boolean adjusts = s.params.adjustsLogits(s.outputLength());
        if (!adjusts && s.params.logprobs() < 0) return false;
        return !deviceLogitEdits || (adjusts && c.draft().length > 0);
    }

    /**
     * Whether rows that adjust their logits (penalties, logit bias, min_tokens, a guide) are edited and sampled on the
     * device ({@link LogitEdits}) rather than bringing the step's logits to the host; {@code -Dbaton.deviceLogitEdits=false}
     * (read when the engine opens) brings them to the host, as before. Rows that verify draft tokens always adjust on
     * the host (each row's edits would depend on the draft tokens before it).
     */
    private final boolean deviceLogitEdits = !"false".equals(System.getProperty("baton.deviceLogitEdits"));

    /**
     * The forward pass and what follows it. Tokens are sampled on the device when no sequence needs its logits on the
     * host ({@link #needsHostLogits}, prompt logprobs) and no layer hook is installed (forwardSample has none); rows
     * that adjust their logits are edited there first, and rows that want logprobs get them there. Otherwise the
     * logits come to the host.
     */
    private void forwardAndSample(List<ScheduledChunk> chunks, boolean needLogits) {
        ForwardBatch batch = StepOutputs.buildBatch(chunks, blocks.blockSize());
        LayerHook hook = layerHook;
        boolean onDevice = sampleOnDevice && hook == null && !needLogits;
        float[] logits = null;
        int[] sampled = null;
        CompletableFuture<Void> editsDone = null;
        TokenLogprobs[] sampledLogprobs = null;
        try {
            settleKvCopies(false);  // run by the forward pass, ahead of its kernels
            if (onDevice) {
                int rows = batch.logitRows().length, r = 0;
                SamplingParams[] params = new SamplingParams[rows];
                long[] bits = new long[rows];
                LogitEdits[] edits = new LogitEdits[rows];
                TokenLogprobs[] lps = sampledLogprobs = new TokenLogprobs[rows];
                List<CompletableFuture<Void>> editing = new java.util.ArrayList<>();
                for (ScheduledChunk c : chunks) {
                    int n = StepOutputs.sampleRows(c);
                    StepOutputs.randomBits(c, bits, r);
                    Sequence s = c.sequence();
                    java.util.Arrays.fill(params, r, r + n, s.params);
                    if (n == 1 && s.params.adjustsLogits(s.outputLength())) {
                        int row = r;
                        editing.add(CompletableFuture.runAsync(() -> edits[row] = outputs.logitEdits(s), editPool()));
                    }
                    r += n;
                }
                // The rows' edits (a guide's mask takes up to milliseconds per row) are made on other threads while the
                // forward pass runs, and are waited for only when the draw needs them.
                var done = editsDone = editing.isEmpty() ? null : CompletableFuture.allOf(editing.toArray(new CompletableFuture[0]));
                sampled = runner.forwardSample(batch, params, bits, done == null ? null : () -> {
                    done.join();
                    return edits;
                }, lps);
            } else if (hook == null) {
                if (sampleOnDevice) hostLogitSteps++;
                logits = runner.forward(batch);
            } else {
                List<LayerHook.Chunk> view = new java.util.ArrayList<>(chunks.size());
                for (ScheduledChunk c : chunks) {
                    Sequence s = c.sequence();
                    view.add(new LayerHook.Chunk(s.id, s.blockTable(), c.start(), c.numTokens(),
                            c.start() + c.numTokens() >= s.promptLength && c.start() < s.promptLength));
                }
                LayerHook.Step step = new LayerHook.Step(List.copyOf(view));
                logits = runner.forward(batch, (rank, layer) -> hook.afterLayer(step, rank, layer));
            }
        } catch (RuntimeException e) {
            awaitQuietly(editsDone);  // the edits read the sequences finished below
            forgetOffloadedBlocks();
            for (ScheduledChunk c : chunks) finish(c.sequence(), FinishReason.ERROR, e.getMessage());
            return;
        }
        steps++;
        int row = 0;
        for (ScheduledChunk c : chunks) {
            Sequence s = c.sequence();
            if (logits != null) row = outputs.recordPromptLogprobs(c, logits, row);
            outputs.advance(s, c.numTokens());
            if (!c.samples()) continue;
            int rows = StepOutputs.sampleRows(c);  // before the chunk's tokens are appended
            StepOutputs.Accepted a = outputs.acceptChunk(c, logits, sampled, sampledLogprobs, row, maxModelLen);
            row += rows;
            generatedTokens += a.tokens();
            if (c.draft().length > 0) {
                specDrafts++;
                specDraftTokens += c.draft().length;
                specAcceptedTokens += a.draftAccepted();
            }
            if (a.finish() != null) finish(s, a.finish(), null);
        }
    }

    /**
     * Whether steps without logprobs sample on the backend. On by default where the logits live on a device (not the
     * CPU); tests turn it on for the CPU to run that path.
     */
    void sampleOnDevice(boolean on) { sampleOnDevice = on; }

    /** Threads that make rows' logit edits during the forward pass; started on first use. */
    private java.util.concurrent.ExecutorService editPool() {
        if (editPool == null) {
            int n = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors() / 2));
            editPool = java.util.concurrent.Executors.newFixedThreadPool(n, Thread.ofPlatform().daemon().name("logit-edits-", 0).factory());
        }
        return editPool;
    }

    private static void awaitQuietly(CompletableFuture<Void> f) {
        if (f == null) return;
        try {
            f.join();
        } catch (RuntimeException ignored) {
            // the step failed already; only the edits' threads being done with the sequences matters here
        }
    }

    /** Steps whose logits came to the host although the engine samples on the device (logprobs, drafts with edits). */
    long hostLogitSteps() { return hostLogitSteps; }

    /**
     * After a failed forward pass, copies to and from the offload tier may not have run: neither the tier's slots nor
     * the pool blocks restored from it can be trusted, so both caches forget what they hold.
     */
    private void forgetOffloadedBlocks() {
        HostKvTier tier = blocks.tier();
        if (tier == null) return;
        tier.clear();
        blocks.pool().resetPrefixCache();
    }

    private void finish(Sequence s, FinishReason reason, String error) {
        if (live.remove(s.id) == null) return;
        scheduler.remove(s);
        int[] kept = outputs.finish(s, reason, error);
        if (kept != null) held.put(s.id, kept);
    }

    /** Steps until no request is left (synchronous use: CLI, tests, benchmarks). */
    public void runUntilIdle() {
        while (true) {
            boolean worked = step();
            if (!worked && commands.isEmpty() && !scheduler.hasWork()) return;
        }
    }

    /**
     * Runs one prompt through the model outside the scheduler and returns the logits of its last position, or of
     * every position when {@code all} (for reference checks such as {@code baton logits}).
     */
    public float[][] promptLogits(int[] prompt, boolean all) {
        return call(() -> {
            validatePrompt(prompt, SamplingParams.greedy(1));
            int[] reserved = blocks.reserve(blocks.blocksFor(prompt.length));
            if (reserved == null) throw new EngineException("the KV cache is too small for a prompt of " + prompt.length + " tokens");
            try {
                settleKvCopies(true);  // blocks it took from the prefix cache are saved before this pass writes them
                int bs = blocks.blockSize(), n = prompt.length;
                int[] positions = new int[n], slots = new int[n], rows = all ? new int[n] : new int[]{n - 1};
                for (int i = 0; i < n; i++) {
                    positions[i] = i;
                    slots[i] = reserved[i / bs] * bs + i % bs;
                    if (all) rows[i] = i;
                }
                float[] flat = runner.forward(new ForwardBatch(prompt, positions, slots, new int[]{0, n}, new int[]{n},
                        new int[][]{reserved}, rows));
                int v = model.vocabSize();
                float[][] out = new float[rows.length][];
                for (int r = 0; r < rows.length; r++) out[r] = java.util.Arrays.copyOfRange(flat, r * v, (r + 1) * v);
                return out;
            } finally {
                blocks.release(reserved);
            }
        });
    }

    /** Starts the background step loop. */
    public synchronized void start() {
        if (loop != null) return;
        loop = Thread.ofPlatform().name("engine-loop").daemon(true).start(() -> {
            while (!closed) {
                boolean worked;
                try {
                    worked = step();
                } catch (RuntimeException e) {
                    System.getLogger("baton.engine").log(System.Logger.Level.ERROR, "engine step failed", e);
                    worked = false;
                }
                if (!worked && commands.isEmpty()) LockSupport.parkNanos(this, 50_000_000L);
            }
            drainCommands();
            for (Sequence s : List.copyOf(live.values())) finish(s, FinishReason.ABORT, "engine shut down");
        });
    }

    private void command(Runnable r) {
        commands.add(r);
        Thread l = loop;
        if (l != null) LockSupport.unpark(l);
    }

    /** Runs {@code c} on the engine's thread and waits for its result. */
    private <T> T call(Callable<T> c) {
        if (closed) throw new EngineException("the engine is closed");
        Thread l = loop;
        if (l == null || Thread.currentThread() == l) {
            drainCommands();
            try {
                T v = c.call();
                refreshStats();
                return v;
            } catch (Exception e) {
                throw e instanceof RuntimeException re ? re : new EngineException(e.getMessage(), e);
            }
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        command(() -> {
            try {
                T v = c.call();
                refreshStats(); // the caller sees its call's effect in stats() (blocks reserved or freed) on return
                f.complete(v);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        try {
            // Poll so that a call racing with close() fails instead of waiting for a loop that has stopped.
            while (true) {
                try {
                    return f.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    if (closed && !l.isAlive()) throw new EngineException("the engine is closed");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new EngineException(e.getCause().getMessage(), e.getCause());
        }
    }

    private void drainCommands() {
        Runnable r;
        while ((r = commands.poll()) != null) r.run();
    }

    private void refreshStats() {
        int heldBlocks = 0;
        for (int[] b : held.values()) heldBlocks += b.length;
        stats = new EngineStats(scheduler.running().size(), scheduler.numWaiting(), blocks.numBlocks(), blocks.usedBlocks(),
                heldBlocks, blocks.prefixQueries(), blocks.prefixHits(), scheduler.preemptions(), steps, promptTokens, generatedTokens,
                busyNanos, specDrafts, specDraftTokens, specAcceptedTokens, blocks.offloadHits(),
                blocks.tier() == null ? 0 : blocks.tier().saves(), blocks.tier() == null ? 0 : blocks.tier().size(),
                blocks.tier() == null ? 0 : blocks.tier().capacity());
    }

    // ---------------------------------------------------------------- accessors

    public EngineStats stats() { return stats; }

    /** The most recent steps (up to {@link #STEP_LOG_CAPACITY}), oldest first; safe from any thread. */
    public List<StepRecord> recentSteps() { return stepLog.snapshot(); }

    public ModelConfig modelConfig() { return model; }

    public EngineConfig config() { return config; }

    /** The model's tokenizer, or null when the model directory has none. */
    public Tokenizer tokenizer() { return tokenizer; }

    public int maxModelLen() { return maxModelLen; }

    public Set<Integer> eosTokenIds() { return Set.copyOf(eosIds); }

    public ModelRunner runner() { return runner; }

    public int blockSize() { return blocks.blockSize(); }

    @Override
    public void close() {
        closed = true;
        Thread l = loop;
        if (l != null) {
            LockSupport.unpark(l);
            try {
                l.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            drainCommands();
            for (Sequence s : List.copyOf(live.values())) finish(s, FinishReason.ABORT, "engine shut down");
        }
        if (editPool != null) editPool.shutdownNow();
        runner.close();
        weights.close();
    }
}
