package ai.baton.experiments.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds bench results (vLLM-format JSON files with "completed" and latency fields) under result directories.
 * A sweep's results name their configuration and workload family; a plain bench result is its own series,
 * named by its label. With several directories, series are prefixed by the directory's name so they can be compared.
 */
public final class ResultLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultLoader() {}

    public static List<RunPoint> load(List<Path> dirs) throws IOException {
        List<RunPoint> out = new ArrayList<>();
        boolean prefix = dirs.size() > 1;
        for (Path dir : dirs) {
            if (Files.isRegularFile(dir)) {
                RunPoint p = read(dir, dir.getParent() == null ? Path.of(".") : dir.getParent(), false);
                if (p != null) out.add(p);
                continue;
            }
            if (!Files.isDirectory(dir)) throw new IllegalArgumentException("no such result directory: " + dir);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(ResultLoader::candidate).sorted().toList()) {
                    RunPoint p = read(f, dir, prefix);
                    if (p != null) out.add(p);
                }
            }
        }
        return out;
    }

    private static boolean candidate(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".json") && !n.endsWith(".trace.json") && !n.equals("plan.json") && Files.isRegularFile(f);
    }

    static RunPoint read(Path f, Path root, boolean prefix) {
        JsonNode r;
        try {
            r = JSON.readTree(f.toFile());
        } catch (IOException e) {
            return null;  // not JSON we understand: not a result
        }
        if (r == null || !r.isObject() || !r.has("completed") || !r.has("output_throughput")) return null;
        if (r.path("completed").asInt() == 0) return null;
        JsonNode s = r.path("sweep");
        String series = s.has("label") ? s.get("label").asText() : r.path("label").asText(f.getFileName().toString());
        if (prefix) series = root.getFileName() + ": " + series;
        String family = s.has("family") ? s.get("family").asText()
                : r.has("preset") ? r.get("preset").asText() : r.path("dataset").asText("run");
        String workload = s.path("workload").asText(f.getFileName().toString().replaceFirst("\\.json$", ""));
        int gpus = s.path("gpus").asInt(r.path("metadata").path("gpus").asInt(1));
        String rate = r.path("request_rate").asText("inf");
        JsonNode c = r.get("max_concurrency");
        String conc = c == null || c.isNull() ? "" : c.asText();
        return new RunPoint(series, family, workload, gpus, rate, conc, r.path("output_throughput").asDouble(),
                r.path("request_throughput").asDouble(), r, f);
    }
}
