package ai.baton.experiments.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Scrapes several /metrics endpoints; an endpoint that fails is left out with a warning, never fails the run. */
public final class Scraper {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ScrapeTarget> targets;
    private final Map<String, String> warnings = new LinkedHashMap<>();

    public Scraper(List<ScrapeTarget> targets) { this.targets = List.copyOf(targets); }

    public List<ScrapeTarget> targets() { return targets; }

    /** Target name to snapshot, for each target that answered. */
    public Map<String, PromSnapshot> scrapeAll() {
        Map<String, PromSnapshot> out = new LinkedHashMap<>();
        for (ScrapeTarget t : targets) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(t.url())).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode());
                out.put(t.name(), PromSnapshot.parse(r.body(), System.nanoTime()));
            } catch (Exception e) {
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                warnings.put(t.name(), "cannot scrape " + t.url() + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage()));
            }
        }
        return out;
    }

    public Map<String, String> warnings() { return warnings; }
}
