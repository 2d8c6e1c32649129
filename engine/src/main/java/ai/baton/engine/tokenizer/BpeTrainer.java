package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Trains a byte-level BPE tokenizer, so a demo model can ship a tokenizer built from nothing outside
 * the repository. The result is an HF-compatible tokenizer.json (Qwen2-style: NFC, Qwen2 split regex,
 * ByteLevel) plus a tokenizer_config.json with a ChatML chat template.
 *
 * <p>Ids 0..255 are the 256 bytes (id = byte value), then one token per learned merge, then the special
 * tokens {@code <|endoftext|>}, {@code <|im_start|>}, {@code <|im_end|>}. Each merge joins the most
 * frequent adjacent pair over the corpus words; ties go to the pair with the smaller (left, right) ids,
 * so training is deterministic.
 */
public final class BpeTrainer {
    public static final List<String> SPECIAL_TOKENS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    public static final String CHAT_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    private static final String CORPUS_RESOURCE = "corpus.txt";

    private BpeTrainer() {}

    /** The small English corpus shipped with Baton (about 44 KB of original prose, numbers and code). */
    public static String bundledCorpus() {
        try (InputStream in = BpeTrainer.class.getResourceAsStream(CORPUS_RESOURCE)) {
            if (in == null) throw new TokenizerException("resource " + CORPUS_RESOURCE + " is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException("cannot read resource " + CORPUS_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /**
     * Trains on corpus and writes outDir/tokenizer.json and outDir/tokenizer_config.json.
     *
     * @param vocabSize total tokens including the 3 special tokens; at least 259. Training stops early
     *                  (a smaller vocab) when no pair occurs twice any more.
     */
    public static void train(String corpus, int vocabSize, Path outDir) {
        if (vocabSize < 256 + SPECIAL_TOKENS.size()) {
            throw new IllegalArgumentException("vocabSize must be at least " + (256 + SPECIAL_TOKENS.size()) + ", got " + vocabSize);
        }
        Learned learned = learn(corpus, vocabSize - SPECIAL_TOKENS.size());
        try {
            Files.createDirectories(outDir);
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            mapper.writeValue(outDir.resolve(Tokenizer.FILE).toFile(), tokenizerJson(learned));
            mapper.writeValue(outDir.resolve(TokenizerConfig.FILE).toFile(), tokenizerConfig(learned));
        } catch (IOException e) {
            throw new TokenizerException("cannot write the trained tokenizer to " + outDir + ": " + e.getMessage(), e);
        }
    }

    /** Token strings (byte-level form) by id, and merges as (left, right) id pairs in rank order. */
    record Learned(List<String> tokens, List<int[]> merges) {}

    /** A pre-tokenized word of the corpus: its current symbols and how often it occurs. */
    private static final class Word {
        int[] symbols;
        int length;
        final long count;

        Word(int[] symbols, long count) {
            this.symbols = symbols;
            this.length = symbols.length;
            this.count = count;
        }
    }

    static Learned learn(String corpus, int learnedVocabSize) {
        List<Word> words = countWords(corpus);
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            String t = String.valueOf(ByteLevelAlphabet.charOf(b));
            tokens.add(t);
            ids.put(t, b);
        }
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> wordsWithPair = new HashMap<>();
        for (int w = 0; w < words.size(); w++) addPairs(words.get(w), w, pairCounts, wordsWithPair, null);
        // max-heap by count, then smaller left id, then smaller right id; stale entries are skipped when popped
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0])
                : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
        for (var e : pairCounts.entrySet()) heap.add(entry(e.getKey(), e.getValue()));

        List<int[]> merges = new ArrayList<>();
        while (tokens.size() < learnedVocabSize && !heap.isEmpty()) {
            long[] top = heap.poll();
            long key = PairRankMap.pack((int) top[1], (int) top[2]);
            if (pairCounts.getOrDefault(key, 0L) != top[0]) continue; // stale
            if (top[0] < 2) break; // merging pairs seen once learns nothing
            int left = (int) top[1], right = (int) top[2];
            String merged = tokens.get(left) + tokens.get(right);
            Integer existing = ids.get(merged); // two different pairs can spell the same string
            int newId = existing != null ? existing : tokens.size();
            if (existing == null) {
                tokens.add(merged);
                ids.put(merged, newId);
            }
            merges.add(new int[] {left, right});
            Set<Long> changed = new HashSet<>();
            for (int w : wordsWithPair.getOrDefault(key, Set.of()).toArray(new Integer[0])) {
                Word word = words.get(w);
                if (!contains(word, left, right)) continue;
                removePairs(word, pairCounts, changed);
                applyMerge(word, left, right, newId);
                addPairs(word, w, pairCounts, wordsWithPair, changed);
            }
            for (long k : changed) {
                long c = pairCounts.getOrDefault(k, 0L);
                if (c > 0) heap.add(entry(k, c));
            }
        }
        return new Learned(tokens, merges);
    }

    /** Splits the corpus like the tokenizer will (NFC, Qwen2 regex, byte level) and counts distinct words in first-seen order. */
    private static List<Word> countWords(String corpus) {
        String text = Normalizer.normalize(corpus, Normalizer.Form.NFC);
        List<String> pieces = new ArrayList<>();
        FastSplit.forRegex(FastSplit.QWEN2_REGEX).split(text, pieces);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String p : pieces) counts.merge(p, 1L, Long::sum);
        List<Word> words = new ArrayList<>(counts.size());
        for (var e : counts.entrySet()) {
            byte[] utf8 = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] symbols = new int[utf8.length];
            for (int i = 0; i < utf8.length; i++) symbols[i] = utf8[i] & 0xFF;
            words.add(new Word(symbols, e.getValue()));
        }
        return words;
    }

    private static long[] entry(long key, long count) {
        return new long[] {count, key >>> 32, key & 0xFFFFFFFFL};
    }

    private static boolean contains(Word w, int left, int right) {
        for (int i = 0; i + 1 < w.length; i++) if (w.symbols[i] == left && w.symbols[i + 1] == right) return true;
        return false;
    }

    /** Replaces each non-overlapping occurrence of (left, right), scanning left to right. */
    private static void applyMerge(Word w, int left, int right, int newId) {
        int out = 0;
        for (int i = 0; i < w.length; i++) {
            if (i + 1 < w.length && w.symbols[i] == left && w.symbols[i + 1] == right) {
                w.symbols[out++] = newId;
                i++;
            } else {
                w.symbols[out++] = w.symbols[i];
            }
        }
        w.length = out;
    }

    private static void addPairs(Word w, int index, Map<Long, Long> counts, Map<Long, Set<Integer>> wordsWithPair, Set<Long> changed) {
        for (int i = 0; i + 1 < w.length; i++) {
            long key = PairRankMap.pack(w.symbols[i], w.symbols[i + 1]);
            counts.merge(key, w.count, Long::sum);
            wordsWithPair.computeIfAbsent(key, k -> new HashSet<>()).add(index);
            if (changed != null) changed.add(key);
        }
    }

    private static void removePairs(Word w, Map<Long, Long> counts, Set<Long> changed) {
        for (int i = 0; i + 1 < w.length; i++) {
            long key = PairRankMap.pack(w.symbols[i], w.symbols[i + 1]);
            counts.merge(key, -w.count, Long::sum);
            changed.add(key);
        }
    }

    // ---------------------------------------------------------------- output files

    private static ObjectNode tokenizerJson(Learned learned) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        int id = learned.tokens().size();
        for (String special : SPECIAL_TOKENS) {
            added.addObject().put("id", id++).put("content", special).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", FastSplit.QWEN2_REGEX);
        split.put("behavior", "Isolated").put("invert", false);
        steps.add(byteLevel(f));
        root.set("post_processor", byteLevel(f));
        root.set("decoder", byteLevel(f));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").put("continuing_subword_prefix", "")
                .put("end_of_word_suffix", "").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < learned.tokens().size(); i++) vocab.put(learned.tokens().get(i), i);
        ArrayNode merges = model.putArray("merges");
        // the "left right" string form: every tokenizers version reads it, and byte-level tokens never contain a space
        for (int[] m : learned.merges()) merges.add(learned.tokens().get(m[0]) + " " + learned.tokens().get(m[1]));
        return root;
    }

    private static ObjectNode byteLevel(JsonNodeFactory f) {
        return f.objectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
    }

    private static ObjectNode tokenizerConfig(Learned learned) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode c = f.objectNode();
        c.put("add_bos_token", false);
        c.put("add_prefix_space", false);
        ObjectNode decoderMap = c.putObject("added_tokens_decoder");
        int id = learned.tokens().size();
        for (String special : SPECIAL_TOKENS) {
            decoderMap.putObject(String.valueOf(id++)).put("content", special).put("lstrip", false).put("normalized", false)
                    .put("rstrip", false).put("single_word", false).put("special", true);
        }
        c.putNull("bos_token");
        c.put("chat_template", CHAT_TEMPLATE);
        c.put("clean_up_tokenization_spaces", false);
        c.put("eos_token", "<|im_end|>");
        c.put("errors", "replace");
        c.put("pad_token", "<|endoftext|>");
        c.put("split_special_tokens", false);
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.putNull("unk_token");
        return c;
    }
}
