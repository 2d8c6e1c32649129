package ai.baton.router.hub;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hub client against a local HTTP server laid out like the hub (/api/models/..., /.../resolve/main/...). */
class HubClientTest {
    static Vertx vertx;
    static HttpServer server;
    static final AtomicInteger downloads = new AtomicInteger();
    static final AtomicReference<String> lastAuth = new AtomicReference<>();
    static final byte[] WEIGHTS = new byte[300_000];

    @BeforeAll
    static void up() {
        for (int i = 0; i < WEIGHTS.length; i++) WEIGHTS[i] = (byte) (i * 31);
        vertx = Vertx.vertx();
        Router r = Router.router(vertx);
        r.get("/api/models/acme/tiny").handler(rc -> {
            lastAuth.set(rc.request().getHeader("Authorization"));
            rc.response().putHeader("Content-Type", "application/json").end("""
                {"id": "acme/tiny", "siblings": [{"rfilename": "config.json"}, {"rfilename": "tokenizer.json"},
                 {"rfilename": "model.safetensors"}, {"rfilename": "README.md"}, {"rfilename": "onnx/model.onnx"},
                 {"rfilename": "../escape.json"}]}""");
        });
        r.get("/api/models/acme/gated").handler(rc -> rc.response().setStatusCode(401).end("{\"error\": \"gated\"}"));
        // The hub redirects large files to its CDN: follow it.
        r.get("/acme/tiny/resolve/main/model.safetensors").handler(rc -> rc.response().setStatusCode(302)
                .putHeader("Location", "/cdn/blob123").end());
        r.get("/cdn/blob123").handler(rc -> {
            downloads.incrementAndGet();
            rc.response().end(io.vertx.core.buffer.Buffer.buffer(WEIGHTS));
        });
        r.get("/acme/tiny/resolve/main/:file").handler(rc -> {
            downloads.incrementAndGet();
            rc.response().end("{\"file\": \"" + rc.pathParam("file") + "\"}");
        });
        server = vertx.createHttpServer().requestHandler(r).listen(0, "127.0.0.1").await();
    }

    @AfterAll
    static void down() {
        vertx.close().await();
    }

    HubClient client(String token) {
        return new HubClient(URI.create("http://127.0.0.1:" + server.actualPort() + "/"), token);
    }

    @Test
    void listsAndDownloadsTheFilesANodeNeeds(@TempDir Path tmp) throws Exception {
        HubClient hub = client("secret");
        List<String> files = hub.listFiles("acme/tiny", "main");
        assertEquals(List.of("config.json", "tokenizer.json", "model.safetensors", "README.md", "onnx/model.onnx"), files);
        assertEquals("Bearer secret", lastAuth.get());

        ModelResolver resolver = new ModelResolver(hub, tmp);
        Path dir = resolver.resolve("acme/tiny");
        assertEquals("{\"file\": \"config.json\"}", Files.readString(dir.resolve("config.json")));
        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(dir.resolve("README.md")));
        assertFalse(Files.exists(dir.resolve("onnx")));
        int after = downloads.get();
        assertEquals(dir, resolver.resolve("acme/tiny"));   // cached: no second download
        assertEquals(after, downloads.get());
        // A local directory is used as is.
        assertEquals(dir.toAbsolutePath().normalize(), resolver.resolve(dir.toString()));
    }

    @Test
    void explainsFailuresInOneLine(@TempDir Path tmp) {
        ModelResolver resolver = new ModelResolver(client(null), tmp);
        var gated = assertThrows(HubClient.HubException.class, () -> resolver.resolve("acme/gated"));
        assertTrue(gated.getMessage().contains("HF_TOKEN"), gated.getMessage());
        var missing = assertThrows(HubClient.HubException.class, () -> resolver.resolve("acme/missing"));
        assertTrue(missing.getMessage().contains("no such model"), missing.getMessage());
        var notId = assertThrows(HubClient.HubException.class, () -> resolver.resolve("/no/such/dir/anywhere"));
        assertTrue(notId.getMessage().contains("no such directory"), notId.getMessage());
        ModelResolver offline = new ModelResolver(new HubClient(URI.create("http://127.0.0.1:1"), null), tmp);
        var down = assertThrows(HubClient.HubException.class, () -> offline.resolve("acme/tiny"));
        assertTrue(down.getMessage().contains("cannot reach"), down.getMessage());
    }
}
