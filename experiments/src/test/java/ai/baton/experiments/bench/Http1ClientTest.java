package ai.baton.experiments.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chunked decoding and the HTTP/1.1 client's framing, keep-alive and stale-connection handling, on raw sockets. */
class Http1ClientTest {
    @Test
    void chunkedDecodingAcrossArbitrarySplits() {
        String wire = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\nNEXT";
        byte[] b = wire.getBytes(StandardCharsets.US_ASCII);
        for (int step = 1; step <= b.length; step++) {
            ChunkedDecoder d = new ChunkedDecoder();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int used = 0;
            for (int i = 0; i < b.length && !d.done(); i += step) used += d.feed(b, i, Math.min(step, b.length - i), out::write);
            assertTrue(d.done());
            assertEquals("hello, world", out.toString(StandardCharsets.US_ASCII));
            assertTrue(used <= b.length - 4 + step, "stops at the end of the body");
        }
        assertThrows(IllegalStateException.class, () -> new ChunkedDecoder().feed("zz\r\n".getBytes(), 0, 4, (x, o, l) -> { }));
    }

    /** A server that answers each request on a connection with the next canned response, then maybe closes. */
    private static ServerSocket serve(List<String> responses, boolean closeAfterEach, AtomicInteger connections) throws Exception {
        ServerSocket ss = new ServerSocket(0);
        Thread.ofPlatform().daemon().start(() -> {
            int next = 0;
            while (!ss.isClosed()) {
                try (Socket s = ss.accept()) {
                    connections.incrementAndGet();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    while (next < responses.size()) {
                        if (!readRequest(in)) break;
                        out.write(responses.get(next++).getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        if (closeAfterEach) break;
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });
        return ss;
    }

    /** The request heads the test server has read, latest last. */
    private static final java.util.concurrent.ConcurrentLinkedDeque<String> HEADS = new java.util.concurrent.ConcurrentLinkedDeque<>();

    private static boolean readRequest(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.toString().endsWith("\r\n\r\n")) break;
        }
        if (c < 0) return false;
        HEADS.add(head.toString());
        int len = 0;
        for (String l : head.toString().split("\r\n"))
            if (l.toLowerCase().startsWith("content-length:")) len = Integer.parseInt(l.substring(15).trim());
        in.readNBytes(len);
        return true;
    }

    private static String body(Http1Client c, List<Long> stamps) throws Exception {
        StringBuilder sb = new StringBuilder();
        Http1Client.Response r = c.post("/v1/completions", "{}".getBytes(), (b, off, len, t) -> {
            sb.append(new String(b, off, len, StandardCharsets.UTF_8));
            stamps.add(t);
        });
        return r.status() == 200 ? sb.toString() : r.status() + ":" + r.errorBody();
    }

    @Test
    void keepAliveChunkedLengthAndErrors() throws Exception {
        AtomicInteger conns = new AtomicInteger();
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n"
                + "6\r\ndata: \r\n3\r\nabc\r\n0\r\n\r\n";
        String fixed = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz";
        String error = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"error\":\"x\"}";
        try (ServerSocket ss = serve(List.of(chunked, fixed, error), false, conns);
             Http1Client c = new Http1Client(URI.create("http://127.0.0.1:" + ss.getLocalPort()), 5000)) {
            List<Long> stamps = new ArrayList<>();
            assertEquals("data: abc", body(c, stamps));
            assertTrue(stamps.stream().allMatch(t -> t > 0));
            assertEquals("xyz", body(c, stamps));
            assertEquals("400:{\"error\":\"x\"}", body(c, stamps));
            assertEquals(1, conns.get(), "one kept-alive connection for all three");
        }
    }

    @Test
    void anApiKeyGoesOutAsABearerToken() throws Exception {
        String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        try (ServerSocket ss = serve(List.of(ok, ok), true, new AtomicInteger());  // one connection per client
             Http1Client keyed = new Http1Client(URI.create("http://127.0.0.1:" + ss.getLocalPort()), 5000, "sk-test");
             Http1Client open = new Http1Client(URI.create("http://127.0.0.1:" + ss.getLocalPort()), 5000, null)) {
            assertEquals("ok", body(keyed, new ArrayList<>()));
            assertTrue(HEADS.getLast().contains("\r\nAuthorization: Bearer sk-test\r\n"), HEADS.getLast());
            assertEquals("ok", body(open, new ArrayList<>()));
            assertTrue(!HEADS.getLast().contains("Authorization"), HEADS.getLast());
        }
    }

    @Test
    void aClosedIdleConnectionIsReplacedOnce() throws Exception {
        AtomicInteger conns = new AtomicInteger();
        String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        try (ServerSocket ss = serve(List.of(ok, ok), true, conns);
             Http1Client c = new Http1Client(URI.create("http://127.0.0.1:" + ss.getLocalPort()), 5000)) {
            assertEquals("ok", body(c, new ArrayList<>()));
            Thread.sleep(100);  // the server has closed the pooled connection by now
            assertEquals("ok", body(c, new ArrayList<>()));
            assertEquals(2, conns.get());
        }
    }

    @Test
    void connectionClosedWithoutEndIsAnError() throws Exception {
        AtomicInteger conns = new AtomicInteger();
        String cut = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n";
        try (ServerSocket ss = serve(List.of(cut), true, conns);
             Http1Client c = new Http1Client(URI.create("http://127.0.0.1:" + ss.getLocalPort()), 5000)) {
            assertThrows(java.io.IOException.class, () -> body(c, new ArrayList<>()));
        }
    }
}
