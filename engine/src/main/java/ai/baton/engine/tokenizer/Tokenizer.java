package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer.json byte-level BPE tokenizer (Qwen2/3, Llama 3, GPT-2 style) that reproduces
 * HF's ids and decoded text exactly. Immutable and safe to share between threads.
 *
 * <p>Encoding follows HF's order: added tokens are cut out of the raw text first, the rest is normalized,
 * added tokens flagged {@code normalized} are cut out of that, then the pre-tokenizer splits words and
 * BPE encodes each word.
 */
public final class Tokenizer {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String FILE = "tokenizer.json";

    private final BpeModel model;
    private final List<AddedToken> addedTokens;
    private final Map<String, AddedToken> addedByContent;
    private final AddedToken[] addedById; // null where the id is not an added token
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final PostProcessor postProcessor;
    private final TokenizerConfig config;
    private final int vocabSize;

    private Tokenizer(TokenizerJson json, TokenizerConfig config, String file) {
        String type = json.modelType == null ? "BPE" : json.modelType;
        if (!type.equals("BPE")) throw new TokenizerException("unsupported tokenizer model type '" + type + "' in " + file + " (Baton supports byte-level BPE)");
        if (notEmpty(json.continuingSubwordPrefix) || notEmpty(json.endOfWordSuffix)) {
            throw new TokenizerException("unsupported BPE continuing_subword_prefix/end_of_word_suffix in " + file);
        }
        this.config = config;
        this.model = buildModel(json);
        this.normalizer = TextNormalizer.fromJson(json.normalizer, file);
        this.preTokenizer = PreTokenizer.fromJson(json.preTokenizer, file);
        if (!preTokenizer.mapsToBytes()) throw new TokenizerException("unsupported pre_tokenizer in " + file + ": no ByteLevel step (Baton supports byte-level BPE only)");
        checkDecoder(json.decoder, file);

        List<AddedToken> added = new ArrayList<>();
        if (json.addedTokens != null) {
            for (JsonNode n : json.addedTokens) {
                boolean special = n.path("special").asBoolean(false);
                if (!n.path("id").canConvertToInt() || n.get("id").asInt() < 0 || !n.path("content").isTextual()) throw new TokenizerException("invalid added token " + n + " in " + file);
                added.add(new AddedToken(n.get("id").asInt(), n.get("content").asText(), special,
                        n.path("lstrip").asBoolean(false), n.path("rstrip").asBoolean(false),
                        n.path("normalized").asBoolean(!special), n.path("single_word").asBoolean(false)));
            }
        }
        this.addedTokens = List.copyOf(added);
        int maxId = model.maxId();
        for (AddedToken t : added) maxId = Math.max(maxId, t.id());
        this.vocabSize = maxId + 1;
        this.addedById = new AddedToken[vocabSize];
        Map<String, AddedToken> byContent = new HashMap<>();
        List<AddedToken> raw = new ArrayList<>(), norm = new ArrayList<>();
        List<String> rawPatterns = new ArrayList<>(), normPatterns = new ArrayList<>();
        for (AddedToken t : added) {
            addedById[t.id()] = t;
            byContent.put(t.content(), t);
            if (t.normalized()) {
                norm.add(t);
                normPatterns.add(normalizer == null ? t.content() : normalizer.normalize(t.content()));
            } else {
                raw.add(t);
                rawPatterns.add(t.content());
            }
        }
        this.addedByContent = Collections.unmodifiableMap(byContent);
        this.rawMatcher = new AddedTokenMatcher(raw, rawPatterns);
        this.normalizedMatcher = new AddedTokenMatcher(norm, normPatterns);
        this.postProcessor = PostProcessor.fromJson(json.postProcessor, file);
    }

    /**
     * Loads dir/tokenizer.json and, if present, dir/tokenizer_config.json. dir may also be the
     * tokenizer.json file itself.
     */
    public static Tokenizer load(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Path file = dir;
        if (Files.isDirectory(dir)) file = dir.resolve(FILE);
        else dir = dir.toAbsolutePath().getParent();
        if (!Files.isRegularFile(file)) throw new TokenizerException(FILE + " not found: " + file.toAbsolutePath());
        TokenizerJson json = TokenizerJson.read(file);
        TokenizerConfig config = TokenizerConfig.load(dir, MAPPER);
        return new Tokenizer(json, config, file.toString());
    }

    /** Builds a tokenizer from an already parsed tokenizer.json; name is used in error messages. */
    static Tokenizer fromParsed(TokenizerJson json, TokenizerConfig config, String name) {
        return new Tokenizer(json, config, name);
    }

    private static BpeModel buildModel(TokenizerJson json) {
        int merges = json.mergeResult.size();
        int[] left = json.mergeLeft.toArray(), right = json.mergeRight.toArray(), mergedId = json.mergeResult.toArray();
        PairRankMap ranks = new PairRankMap(merges, Math.max(json.idToToken.length - 1, maxOf(mergedId)));
        for (int rank = 0; rank < merges; rank++) ranks.put(left[rank], right[rank], rank);
        int unkId = json.unkToken == null ? -1 : json.vocab.getOrDefault(json.unkToken, -1);
        return new BpeModel(json.vocab, json.idToToken, ranks, mergedId, json.ignoreMerges, unkId);
    }

    private static int maxOf(int[] a) {
        int m = 0;
        for (int v : a) m = Math.max(m, v);
        return m;
    }

    private static void checkDecoder(JsonNode decoder, String file) {
        String type = decoder == null || decoder.isNull() ? "null" : decoder.path("type").asText("");
        if (type.equals("ByteLevel")) return;
        if (type.equals("Sequence")) {
            for (JsonNode d : decoder.path("decoders")) checkDecoder(d, file);
            return;
        }
        throw new TokenizerException("unsupported decoder type '" + type + "' in " + file + " (Baton supports ByteLevel)");
    }

    private static boolean notEmpty(String s) { return s != null && !s.isEmpty(); }

    // ---------------------------------------------------------------- encoding

    /** Encodes without adding special tokens (HF add_special_tokens=False); added tokens in the text are still matched. */
    public int[] encode(String text) { return encode(text, false); }

    /** With addSpecialTokens, the post_processor adds its tokens (a BOS for a Llama 3 TemplateProcessing; nothing for Qwen). */
    public int[] encode(String text, boolean addSpecialTokens) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(text.length() / 3 + 8);
        List<String> words = new ArrayList<>();
        for (AddedTokenMatcher.Segment s : rawMatcher.split(text)) {
            if (s.tokenId() >= 0) out.add(s.tokenId());
            else encodeNormalized(text.substring(s.start(), s.end()), out, words);
        }
        int[] ids = out.toArray();
        return addSpecialTokens ? postProcessor.addSpecialTokens(ids) : ids;
    }

    private void encodeNormalized(String piece, IntList out, List<String> words) {
        String normalized = normalizer == null ? piece : normalizer.normalize(piece);
        if (normalizedMatcher.isEmpty()) {
            encodeWords(normalized, out, words);
            return;
        }
        for (AddedTokenMatcher.Segment s : normalizedMatcher.split(normalized)) {
            if (s.tokenId() >= 0) out.add(s.tokenId());
            else encodeWords(normalized.substring(s.start(), s.end()), out, words);
        }
    }

    private void encodeWords(String text, IntList out, List<String> words) {
        words.clear();
        preTokenizer.split(text, words);
        for (String w : words) model.encodeWord(w, out);
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes like HF's default decode (special tokens kept); invalid UTF-8 becomes U+FFFD. */
    public String decode(int[] ids) { return decode(ids, false); }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            byte[] b = tokenBytes(id, skipSpecialTokens);
            if (b != null) bytes.writeBytes(b);
        }
        byte[] all = bytes.toByteArray();
        return Utf8Lossy.decode(all, 0, all.length);
    }

    /** The bytes a token decodes to; null for unknown ids and for special tokens when skipping them. */
    byte[] tokenBytes(int id, boolean skipSpecialTokens) {
        if (skipSpecialTokens && isSpecial(id)) return null;
        String token = tokenString(id);
        return token == null ? null : ByteLevelAlphabet.decodeToken(token);
    }

    /**
     * The bytes a token stands for, special tokens included, exactly as {@link #decode} writes them; null for an
     * unknown id. Used to match tokens against byte-level grammars.
     */
    public byte[] tokenBytes(int id) { return tokenBytes(id, false); }

    /** A decoder for a stream of generated ids, keeping special tokens (like {@link #decode(int[])}). */
    public IncrementalDecoder newDecoder() { return new IncrementalDecoder(this, false); }

    public IncrementalDecoder newDecoder(boolean skipSpecialTokens) { return new IncrementalDecoder(this, skipSpecialTokens); }

    // ---------------------------------------------------------------- vocabulary

    /** Max id + 1 over the vocab and the added tokens. */
    public int vocabSize() { return vocabSize; }

    public OptionalInt tokenId(String token) {
        AddedToken added = addedByContent.get(token);
        if (added != null) return OptionalInt.of(added.id());
        Integer id = model.tokenId(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The raw token string (byte-level form for vocab tokens, content for added tokens), or null for an unknown id. */
    public String tokenString(int id) {
        if (id < 0 || id >= vocabSize) return null;
        AddedToken added = addedById[id];
        return added != null ? added.content() : model.tokenString(id);
    }

    /** True for added tokens marked special (skipped by decode with skipSpecialTokens). */
    public boolean isSpecial(int id) {
        if (id < 0 || id >= vocabSize) return false;
        AddedToken added = addedById[id];
        return added != null && added.special();
    }

    public List<AddedToken> addedTokens() { return addedTokens; }

    public TokenizerConfig config() { return config; }

    /** Id of tokenizer_config.json's eos_token, if it names a known token. */
    public OptionalInt eosTokenId() { return config.eosToken() == null ? OptionalInt.empty() : tokenId(config.eosToken()); }

    /** Id of tokenizer_config.json's bos_token, if it names a known token. */
    public OptionalInt bosTokenId() { return config.bosToken() == null ? OptionalInt.empty() : tokenId(config.bosToken()); }

    /** Number of BPE merges (for diagnostics). */
    public int mergeCount() { return model.mergeCount(); }
}
