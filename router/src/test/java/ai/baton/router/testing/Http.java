package ai.baton.router.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small HTTP client for tests: JSON bodies in and out, SSE streams read to the end. */
public final class Http {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public record Reply(int status, java.net.http.HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    public record Stream(int status, String contentType, List<String> data) {
        /** The JSON payloads, without the closing [DONE]. */
        public List<JsonNode> chunks() {
            List<JsonNode> out = new ArrayList<>();
            for (String d : data) {
                if (d.equals("[DONE]")) continue;
                try {
                    out.add(JSON.readTree(d));
                } catch (IOException e) {
                    throw new AssertionError("bad chunk: " + d, e);
                }
            }
            return out;
        }
    }

    public Reply post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public Reply postBytes(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    private Reply send(HttpRequest r) {
        try {
            HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
            return new Reply(resp.statusCode(), resp.headers(), resp.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public Stream stream(String path, String body) {
        Events e = events(path, body);
        return new Stream(e.status(), e.contentType(), e.events().stream().map(Event::data).toList());
    }

    /** One server-sent event: its "event:" name (null without one) and its data. */
    public record Event(String name, String data) {
        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("bad event data: " + data, e);
            }
        }
    }

    /** A stream read as events (the Responses API names each one), with its status and content type. */
    public record Events(int status, String contentType, List<Event> events) {}

    public Events events(String path, String body) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<java.io.InputStream> resp = client.send(r, HttpResponse.BodyHandlers.ofInputStream());
            List<Event> events = new ArrayList<>();
            String name = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        events.add(new Event(name, line.substring(6)));
                        name = null;
                    }
                }
            }
            return new Events(resp.statusCode(), resp.headers().firstValue("Content-Type").orElse(""), events);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Text of a streamed completion or chat answer, concatenated. */
    public static String streamedText(Stream s) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : s.chunks()) {
            JsonNode choices = c.path("choices");
            if (choices.isEmpty()) continue;
            JsonNode ch = choices.get(0);
            if (ch.has("text")) sb.append(ch.path("text").asText(""));
            else sb.append(ch.path("delta").path("content").asText(""));
        }
        return sb.toString();
    }
}
