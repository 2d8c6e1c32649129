package ai.baton.router.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Bearer-token access to the API (vLLM's and SGLang's --api-key): every request but monitoring ({@code /health},
 * {@code /metrics}) and CORS preflights must send {@code Authorization: Bearer <key>}, else it gets OpenAI's 401. The
 * comparison takes the same time wherever the keys differ.
 */
public final class ApiKeyCheck implements Handler<RoutingContext> {
    private static final Set<String> OPEN_PATHS = Set.of("/health", "/metrics");
    private final byte[] key;

    public ApiKeyCheck(String key) {
        if (key == null || key.isBlank()) throw new IllegalArgumentException("--api-key must not be blank");
        this.key = key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(RoutingContext rc) {
        if (OPEN_PATHS.contains(rc.request().path()) || rc.request().method() == HttpMethod.OPTIONS || authorized(rc)) {
            rc.next();
            return;
        }
        rc.response().putHeader("WWW-Authenticate", "Bearer");
        HttpApi.writeError(rc.response(), new ApiException(401, "invalid_request_error",
                "Incorrect or missing API key: send it as 'Authorization: Bearer <key>'.", null, "invalid_api_key", 0));
    }

    private boolean authorized(RoutingContext rc) {
        String h = rc.request().getHeader("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(key, h.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }
}
