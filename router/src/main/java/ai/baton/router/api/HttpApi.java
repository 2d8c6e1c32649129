package ai.baton.router.api;

import ai.baton.proto.Role;
import ai.baton.router.dispatch.Dispatcher;
import ai.baton.router.dispatch.Exchange;
import ai.baton.router.metrics.RouterMetrics;
import ai.baton.router.registry.NodeRegistry;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP routes: OpenAI's /v1/completions, /v1/chat/completions, /v1/responses (text only) and /v1/models, SGLang's /generate, vLLM's
 * /tokenize and /detokenize, /health and /metrics. Parsing and tokenizing run on a worker thread (they can take milliseconds on long prompts); everything
 * else is asynchronous. Every error, ours or Vert.x's, leaves as an OpenAI-style JSON body, never a stack trace.
 */
public final class HttpApi {
    private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());
    private static final long MAX_BODY = 32L << 20;

    private final Vertx vertx;
    private final ServedModel model;
    private final RequestParser parser;
    private final Dispatcher dispatcher;
    private final RouterMetrics metrics;
    private final NodeRegistry registry;
    private final IntSupplier contextLength;
    private final long created = System.currentTimeMillis() / 1000;
    private String apiKey;

    public HttpApi(Vertx vertx, ServedModel model, RequestParser parser, Dispatcher dispatcher, RouterMetrics metrics,
                   NodeRegistry registry, IntSupplier contextLength) {
        this.vertx = vertx;
        this.model = model;
        this.parser = parser;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.registry = registry;
        this.contextLength = contextLength;
    }

    /** Requires {@code Authorization: Bearer <key>} on every route but /health and /metrics (null: no key). */
    public HttpApi apiKey(String key) {
        this.apiKey = key;
        return this;
    }

    public Router router() {
        Router r = Router.router(vertx);
        if (apiKey != null) r.route().handler(new ApiKeyCheck(apiKey));  // first, before every route
        BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
        r.post("/v1/completions").handler(body).handler(rc -> generate(rc, Endpoint.COMPLETIONS));
        r.post("/v1/chat/completions").handler(body).handler(rc -> generate(rc, Endpoint.CHAT));
        r.post("/v1/responses").handler(body).handler(rc -> generate(rc, Endpoint.RESPONSES));
        r.post("/generate").handler(body).handler(rc -> generate(rc, Endpoint.GENERATE));
        r.post("/tokenize").handler(body).handler(this::tokenize);
        r.post("/detokenize").handler(body).handler(this::detokenize);
        r.get("/v1/models").handler(this::models);
        r.get("/health").handler(this::health);
        r.get("/metrics").handler(rc -> rc.response().putHeader("Content-Type", RouterMetrics.contentType()).end(metrics.scrape()));
        r.route().last().handler(rc -> writeError(rc.response(),
                ApiException.notFound("No route for " + rc.request().method() + " " + rc.request().path() + ".", null, "not_found")));
        r.errorHandler(400, rc -> writeError(rc.response(), ApiException.badRequest("Malformed request.", null)));
        r.errorHandler(405, rc -> writeError(rc.response(), new ApiException(405, "invalid_request_error", "Method not allowed.", null, "method_not_allowed", 0)));
        r.errorHandler(413, rc -> writeError(rc.response(), new ApiException(413, "invalid_request_error", "The request body is too large.", null, "request_too_large", 0)));
        r.errorHandler(500, rc -> {
            if (rc.failure() != null) LOG.log(Level.SEVERE, "unhandled error on " + rc.request().path(), rc.failure());
            writeError(rc.response(), ApiException.internal("Internal server error."));
        });
        return r;
    }

    private void generate(RoutingContext rc, Endpoint endpoint) {
        long arrival = System.nanoTime();
        byte[] bytes = bodyOf(rc);
        var context = vertx.getOrCreateContext();
        vertx.<ApiRequest>executeBlocking(() -> parser.parse(endpoint, bytes, arrival), false).onComplete(ar -> {
            if (ar.failed()) {
                writeError(rc.response(), clientError(ar.cause()));
                return;
            }
            ApiRequest req = ar.result();
            HttpSink sink = new HttpSink(context, rc.response(), req, ResponseFormat.of(req, model, System.currentTimeMillis() / 1000), metrics);
            for (int i = 0; i < req.choices(); i++) {
                Exchange ex;
                try {
                    ex = dispatcher.submit(req.choice(i), sink.choice(i));
                } catch (ApiException e) {
                    sink.refused(e);  // cancels the choices already started
                    return;
                }
                sink.attach(ex);
            }
        });
    }

    /** vLLM's /tokenize: {count, max_model_len, tokens}. */
    private void tokenize(RoutingContext rc) {
        byte[] bytes = bodyOf(rc);
        vertx.<int[]>executeBlocking(() -> parser.tokenize(bytes), false).onComplete(ar -> {
            if (ar.failed()) {
                writeError(rc.response(), clientError(ar.cause()));
                return;
            }
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("count", ar.result().length);
            o.put("max_model_len", contextLength.getAsInt());
            var tokens = o.putArray("tokens");
            for (int t : ar.result()) tokens.add(t);
            rc.response().putHeader("Content-Type", "application/json").end(HttpSink.json(o));
        });
    }

    /** vLLM's /detokenize: {prompt}. */
    private void detokenize(RoutingContext rc) {
        byte[] bytes = bodyOf(rc);
        vertx.<String>executeBlocking(() -> parser.detokenize(bytes), false).onComplete(ar -> {
            if (ar.failed()) {
                writeError(rc.response(), clientError(ar.cause()));
                return;
            }
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("prompt", ar.result());
            rc.response().putHeader("Content-Type", "application/json").end(HttpSink.json(o));
        });
    }

    private static byte[] bodyOf(RoutingContext rc) {
        Buffer buf = rc.body().buffer();
        return buf == null ? new byte[0] : buf.getBytes();
    }

    /** Anything thrown while reading a request is the request's fault: a 400 unless it already says otherwise. */
    private static ApiException clientError(Throwable t) {
        if (t instanceof ApiException a) return a;
        LOG.log(Level.WARNING, "unexpected error while parsing a request", t);
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return ApiException.badRequest("Invalid request: " + msg, null);
    }

    private void models(RoutingContext rc) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("object", "list");
        ObjectNode m = o.putArray("data").addObject();
        m.put("id", model.name());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "baton");
        m.put("root", model.dir().toString());
        m.putNull("parent");
        m.put("max_model_len", contextLength.getAsInt());
        rc.response().putHeader("Content-Type", "application/json").end(HttpSink.json(o));
    }

    private void health(RoutingContext rc) {
        int p = registry.healthy(Role.PREFILL).size(), d = registry.healthy(Role.DECODE).size();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("status", d > 0 ? "ok" : "unavailable");
        o.put("prefill_nodes", p);
        o.put("decode_nodes", d);
        o.put("running", dispatcher.running());
        o.put("waiting", dispatcher.waiting());
        rc.response().setStatusCode(d > 0 ? 200 : 503).putHeader("Content-Type", "application/json").end(HttpSink.json(o));
    }

    static void writeError(HttpServerResponse resp, ApiException e) {
        if (resp.ended() || resp.closed()) return;
        if (resp.headWritten()) {
            resp.end();
            return;
        }
        resp.setStatusCode(e.status()).putHeader("Content-Type", "application/json");
        if (e.retryAfterSeconds() > 0) resp.putHeader("Retry-After", Integer.toString(e.retryAfterSeconds()));
        resp.end(HttpSink.json(e.body()));
    }
}
