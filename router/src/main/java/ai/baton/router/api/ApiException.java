package ai.baton.router.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A failure to report to an HTTP client as an OpenAI-style body {@code {"error": {message, type, param, code}}}.
 * Never carries a stack trace to the client.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;

    public ApiException(int status, String type, String message, String param, String code, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String message, String param) {
        return new ApiException(400, "invalid_request_error", message, param, null, 0);
    }

    public static ApiException badRequest(String message, String param, String code) {
        return new ApiException(400, "invalid_request_error", message, param, code, 0);
    }

    public static ApiException notFound(String message, String param, String code) {
        return new ApiException(404, "invalid_request_error", message, param, code, 0);
    }

    public static ApiException overloaded(String message) {
        return new ApiException(503, "service_unavailable_error", message, null, "overloaded", 1);
    }

    public static ApiException upstream(String message) {
        return new ApiException(502, "server_error", message, null, "node_failed", 0);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "server_error", message, null, "internal_error", 0);
    }

    public int status() { return status; }

    public String type() { return type; }

    public String param() { return param; }

    public String code() { return code; }

    /** Seconds for a Retry-After header, 0 for none. */
    public int retryAfterSeconds() { return retryAfterSeconds; }

    public ObjectNode body() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
