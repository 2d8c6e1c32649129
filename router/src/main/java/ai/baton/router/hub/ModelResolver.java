package ai.baton.router.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Turns a --model argument into a local Hugging Face directory: an existing directory as is; an "org/name" id is
 * fetched once from the hub into a cache directory (BATON_CACHE, else ~/.cache/baton/hub) and reused after.
 */
public final class ModelResolver {
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final String COMPLETE = ".baton-complete";

    private final HubClient hub;
    private final Path cache;

    public ModelResolver(HubClient hub, Path cache) {
        this.hub = hub;
        this.cache = cache;
    }

    public static ModelResolver fromEnvironment() {
        String c = System.getenv("BATON_CACHE");
        Path cache = c != null && !c.isBlank() ? Path.of(c).resolve("hub")
                : Path.of(System.getProperty("user.home"), ".cache", "baton", "hub");
        return new ModelResolver(HubClient.fromEnvironment(), cache);
    }

    /** Files a serving node needs; weights only as safetensors. */
    public static boolean wanted(String f) {
        if (f.contains("/")) return false;
        return f.equals("config.json") || f.equals("generation_config.json") || f.equals("tokenizer.json")
                || f.equals("tokenizer_config.json") || f.equals("special_tokens_map.json") || f.equals("chat_template.jinja")
                || f.equals("chat_template.json") || f.equals("model.safetensors.index.json") || f.endsWith(".safetensors");
    }

    public Path resolve(String model) throws IOException {
        Path p = Path.of(model);
        if (Files.isDirectory(p)) return p.toAbsolutePath().normalize();
        if (!REPO_ID.matcher(model).matches())
            throw new HubClient.HubException("--model: no such directory, and not a hub id (org/name): " + model);
        Path dir = cache.resolve("models--" + model.replace("/", "--"));
        if (Files.isRegularFile(dir.resolve(COMPLETE))) return dir;
        System.err.println("baton: fetching " + model + " into " + dir);
        hub.download(model, "main", dir, ModelResolver::wanted);
        Files.writeString(dir.resolve(COMPLETE), model + "\n");
        return dir;
    }
}
