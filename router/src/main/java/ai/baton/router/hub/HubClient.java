package ai.baton.router.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A minimal Hugging Face hub client over java.net.http: lists a model repository's files
 * ({@code GET /api/models/{org}/{name}}, its "siblings") and downloads them
 * ({@code GET /{org}/{name}/resolve/{revision}/{file}}, following the hub's redirects to its CDN). The endpoint
 * comes from HF_ENDPOINT (default https://huggingface.co) and a token from HF_TOKEN, as the Python client does.
 */
public final class HubClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String token;
    private final HttpClient http;

    public HubClient(URI endpoint, String token) {
        String e = endpoint.toString();
        this.endpoint = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        this.token = token == null || token.isBlank() ? null : token;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(15)).build();
    }

    public static HubClient fromEnvironment() {
        String ep = System.getenv("HF_ENDPOINT");
        String tok = System.getenv("HF_TOKEN");
        if (tok == null) tok = System.getenv("HUGGING_FACE_HUB_TOKEN");
        return new HubClient(URI.create(ep == null || ep.isBlank() ? "https://huggingface.co" : ep), tok);
    }

    /** Thrown with a one-line, user-facing reason. */
    public static final class HubException extends RuntimeException {
        public HubException(String message) { super(message); }
    }

    /** The files of a model repository (relative paths). */
    public List<String> listFiles(String repo, String revision) {
        String path = "/api/models/" + repo + ("main".equals(revision) ? "" : "/revision/" + enc(revision));
        HttpResponse<byte[]> r = send(request(path), HttpResponse.BodyHandlers.ofByteArray(), repo);
        check(r.statusCode(), repo, path);
        try {
            JsonNode root = JSON.readTree(r.body());
            List<String> out = new ArrayList<>();
            for (JsonNode s : root.path("siblings")) {
                String f = s.path("rfilename").asText(null);
                if (f != null && safe(f)) out.add(f);
            }
            return out;
        } catch (IOException e) {
            throw new HubException("the hub's answer for " + repo + " is not JSON");
        }
    }

    /** Downloads the files of {@code repo} that {@code wanted} accepts into {@code dir}; returns what it wrote. */
    public List<Path> download(String repo, String revision, Path dir, Predicate<String> wanted) throws IOException {
        List<String> files = listFiles(repo, revision).stream().filter(wanted).toList();
        if (files.isEmpty()) throw new HubException(repo + " has no files Baton can use (config.json, tokenizer, safetensors)");
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (String f : files) {
            Path target = dir.resolve(f).normalize();
            if (!target.startsWith(dir.normalize())) throw new HubException("refusing a file outside the model directory: " + f);
            Files.createDirectories(target.getParent());
            String path = "/" + repo + "/resolve/" + enc(revision) + "/" + encPath(f);
            HttpResponse<InputStream> r = send(request(path), HttpResponse.BodyHandlers.ofInputStream(), repo);
            if (r.statusCode() != 200) {
                r.body().close();
                check(r.statusCode(), repo, path);
            }
            Path tmp = target.resolveSibling(target.getFileName() + ".part");
            try (InputStream in = r.body()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            out.add(target);
        }
        return out;
    }

    private HttpRequest request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofMinutes(30))
                .header("User-Agent", "baton/0.1");
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b.GET().build();
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler, String repo) {
        try {
            return http.send(req, handler);
        } catch (IOException e) {
            throw new HubException("cannot reach " + endpoint + " to fetch " + repo + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); download it elsewhere and pass --model DIR");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while fetching " + repo);
        }
    }

    private void check(int status, String repo, String path) {
        if (status == 200) return;
        if (status == 401 || status == 403)
            throw new HubException(repo + " is gated or private (HTTP " + status + "): set HF_TOKEN to a token with access");
        if (status == 404) throw new HubException("no such model on " + endpoint + ": " + repo + " (" + path + ")");
        throw new HubException("the hub answered HTTP " + status + " for " + path);
    }

    /** Hub file names are relative paths; anything climbing out or absolute is refused. */
    private static boolean safe(String f) {
        return !f.isEmpty() && !f.startsWith("/") && !f.contains("..") && !f.contains("\\");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encPath(String f) {
        StringBuilder sb = new StringBuilder();
        for (String part : f.split("/")) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(enc(part));
        }
        return sb.toString();
    }
}
