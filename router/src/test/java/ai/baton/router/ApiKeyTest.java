package ai.baton.router;

import ai.baton.router.routing.RoutingConfig;
import ai.baton.router.testing.Http;
import ai.baton.router.testing.TestRouter;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** --api-key: every route but /health and /metrics wants the bearer token, and refuses others with OpenAI's 401. */
class ApiKeyTest {
    private static HttpResponse<String> send(TestRouter c, String method, String path, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.router.httpPort() + path))
                .header("content-type", "application/json")
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\", \"max_tokens\": 2}"));
        if (auth != null) b.header("Authorization", auth);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void onlyTheRightBearerTokenGetsThrough() throws Exception {
        try (TestRouter c = new TestRouter(1, 1, b -> b.routing(RoutingConfig.defaults()).apiKey("sk-baton-test"))) {
            for (String bad : new String[] {null, "Bearer sk-wrong", "sk-baton-test", "Basic sk-baton-test", "Bearer "}) {
                HttpResponse<String> r = send(c, "POST", "/v1/completions", bad);
                assertEquals(401, r.statusCode(), bad + ": " + r.body());
                assertEquals("invalid_api_key", Http.JSON.readTree(r.body()).path("error").path("code").asText());
                assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(null));
            }
            assertEquals(401, send(c, "GET", "/v1/models", null).statusCode());
            assertEquals(401, send(c, "POST", "/generate", "Bearer nope").statusCode());
            assertEquals(200, send(c, "POST", "/v1/completions", "Bearer sk-baton-test").statusCode());
            assertEquals(200, send(c, "POST", "/v1/completions", "bearer sk-baton-test").statusCode(), "the scheme is case-insensitive");
            assertEquals(200, send(c, "GET", "/v1/models", "Bearer sk-baton-test").statusCode());
            assertEquals(200, send(c, "GET", "/health", null).statusCode(), "health checks need no key");
            assertEquals(200, send(c, "GET", "/metrics", null).statusCode(), "nor does scraping");
        }
        try (TestRouter open = new TestRouter(1, 1, RoutingConfig.defaults())) {
            assertEquals(200, send(open, "POST", "/v1/completions", null).statusCode(), "without --api-key the API is open");
        }
    }
}
