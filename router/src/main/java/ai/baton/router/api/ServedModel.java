package ai.baton.router.api;

import ai.baton.engine.model.GenerationConfig;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.template.ChatTemplate;
import ai.baton.engine.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The model the router serves, as far as the router needs it: its public name, tokenizer and chat template (the
 * router tokenizes), vocabulary size and context length (to validate), and the sampling defaults of
 * generation_config.json (applied, as vLLM does, when a request leaves them out).
 */
public final class ServedModel {
    private final String name;
    private final Path dir;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int vocabSize;
    private final int maxPositionEmbeddings;
    private final GenerationConfig generation;

    public ServedModel(String name, Path dir, Tokenizer tokenizer, ChatTemplate template, int vocabSize,
                       int maxPositionEmbeddings, GenerationConfig generation) {
        this.name = name;
        this.dir = dir;
        this.tokenizer = tokenizer;
        this.template = template;
        this.vocabSize = vocabSize;
        this.maxPositionEmbeddings = maxPositionEmbeddings;
        this.generation = generation == null ? GenerationConfig.empty() : generation;
    }

    /** Loads a Hugging Face model directory; {@code servedName} null means the directory's name. */
    public static ServedModel load(Path dir, String servedName) {
        Path abs = dir.toAbsolutePath().normalize();
        Tokenizer tok = Tokenizer.load(abs);
        Optional<ChatTemplate> tpl = ChatTemplate.fromTokenizerDir(abs);
        int vocab = tok.vocabSize();
        int maxPos = 0;
        if (Files.isRegularFile(abs.resolve("config.json"))) {
            ModelConfig c = ModelConfig.load(abs.resolve("config.json"));
            vocab = Math.max(vocab, c.vocabSize());
            maxPos = c.maxPositionEmbeddings();
        }
        GenerationConfig gen = GenerationConfig.load(abs.resolve("generation_config.json"));
        String name = servedName != null && !servedName.isBlank() ? servedName : abs.getFileName().toString();
        return new ServedModel(name, abs, tok, tpl.orElse(null), vocab, maxPos, gen);
    }

    public String name() { return name; }

    public Path dir() { return dir; }

    public Tokenizer tokenizer() { return tokenizer; }

    /** The chat template, or null when the model has none (chat requests then get a 400). */
    public ChatTemplate template() { return template; }

    public int vocabSize() { return vocabSize; }

    public int maxPositionEmbeddings() { return maxPositionEmbeddings; }

    public GenerationConfig generation() { return generation; }

    /** Whether a request's "model" names this model: its served name, or the path it was loaded from. */
    public boolean answersTo(String requested) {
        return requested.equals(name) || requested.equals(dir.toString());
    }
}
