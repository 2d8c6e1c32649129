package ai.baton.engine.guide;

import ai.baton.engine.tokenizer.Tokenizer;

import java.util.Set;

/**
 * An engine's guided decoding: its vocabulary (built on first use, about half a second for a 152k vocabulary) and the
 * guides compiled lately, so that requests with the same schema share one. Thread-safe.
 */
public final class Guides {
    private static final int CACHED_GUIDES = 64;

    private final Tokenizer tokenizer;
    private final int vocabSize;
    private final Set<Integer> eosIds;
    private volatile GuideVocabulary vocab;
    private final GuideCache compiled = new GuideCache(CACHED_GUIDES);
    /** Masks of states seen lately, over every guide (about 19 KB each for a 152k vocabulary). */
    private final MaskCache masks = new MaskCache(CACHED_MASKS);
    private static final int CACHED_MASKS = 512;

    /** {@code tokenizer} null: the model has none, and guided requests are refused. */
    public Guides(Tokenizer tokenizer, int vocabSize, Set<Integer> eosIds) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.eosIds = Set.copyOf(eosIds);
    }

    /** Compiles (or finds) the spec's guide; throws a GuideException saying what is wrong with it. */
    public Guide compile(GuideSpec spec) { return compiled.compile(spec); }

    /** A new request's guide at its start. */
    public RequestGuide start(GuideSpec spec) {
        if (tokenizer == null) throw new GuideException("structured outputs need the model's tokenizer, and this model directory has none");
        if (eosIds.isEmpty()) throw new GuideException("structured outputs need an end-of-sequence token, and this model has none");
        return new RequestGuide(compile(spec).start(), vocabulary(), masks);
    }

    private GuideVocabulary vocabulary() {
        GuideVocabulary v = vocab;
        if (v == null) {
            synchronized (this) {
                v = vocab;
                if (v == null) vocab = v = GuideVocabulary.of(tokenizer, vocabSize, eosIds);
            }
        }
        return v;
    }
}
