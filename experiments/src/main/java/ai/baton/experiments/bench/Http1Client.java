package ai.baton.experiments.bench;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A minimal blocking HTTP/1.1 client for the timed path: one keep-alive connection per in-flight request, read on
 * the request's own thread, each read timestamped the moment it returns. java.net.http hands every response through
 * a selector thread and an executor; on our busy two-core host that added 4-6 ms to every TTFT beside the server's
 * own figure, where a plain socket added 1-2 ms (see experiments/README.md). Untimed calls still use java.net.http.
 */
final class Http1Client implements AutoCloseable {
    /** Receives the response body's payload bytes with the nanoTime of the read that delivered them. */
    interface BodySink {
        void bytes(byte[] b, int off, int len, long nanos);
    }

    /** The status, and for a status other than 200 the body as text (a 200 body went to the sink). */
    record Response(int status, String errorBody) {}

    private final String host;
    private final int port;
    private final boolean tls;
    private final String hostHeader;
    private final int timeoutMs;
    private final ConcurrentLinkedDeque<Conn> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /** Extra request header lines (each ending in CRLF): the bearer token when there is one. */
    private final String authHeader;

    Http1Client(URI base, int timeoutMs) {
        this(base, timeoutMs, null);
    }

    Http1Client(URI base, int timeoutMs, String apiKey) {
        this.authHeader = apiKey == null || apiKey.isBlank() ? "" : "Authorization: Bearer " + apiKey + "\r\n";
        this.tls = "https".equalsIgnoreCase(base.getScheme());
        if (!tls && !"http".equalsIgnoreCase(base.getScheme())) throw new IllegalArgumentException("--base-url must be http:// or https://, got " + base);
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : tls ? 443 : 80;
        this.hostHeader = base.getPort() > 0 ? host + ":" + port : host;
        this.timeoutMs = timeoutMs;
    }

    /**
     * POSTs body to path and streams the response body into sink; returns when the body is complete. A reused
     * connection that turns out closed before any response byte is replaced once (the server never saw the request).
     */
    Response post(String path, byte[] body, BodySink sink) throws IOException {
        Conn c = idle.pollFirst();
        boolean reused = c != null;
        if (c == null) c = open();
        try {
            return exchange(c, path, body, sink);
        } catch (StaleConnection e) {
            c.close();
            if (!reused) throw new IOException("connection closed before the response", e);
            Conn fresh = open();
            try {
                return exchange(fresh, path, body, sink);
            } catch (IOException | RuntimeException e2) {
                fresh.close();
                throw e2;
            }
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private Conn open() throws IOException {
        Socket s = tls ? SSLSocketFactory.getDefault().createSocket() : new Socket();
        s.connect(new InetSocketAddress(host, port), Math.min(timeoutMs, 10_000));
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMs);
        return new Conn(s);
    }

    private Response exchange(Conn c, String path, byte[] body, BodySink sink) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nContent-Type: application/json\r\n"
                + authHeader + "Accept: text/event-stream\r\nContent-Length: " + body.length + "\r\nConnection: keep-alive\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] req = new byte[h.length + body.length];
        System.arraycopy(h, 0, req, 0, h.length);
        System.arraycopy(body, 0, req, h.length, body.length);
        try {
            c.out.write(req);
            c.out.flush();
        } catch (IOException e) {
            throw new StaleConnection(e);
        }
        Head rh = c.readHead();
        if (rh.status == 100) rh = c.readHead();
        boolean ok = rh.status == 200;
        StringBuilder err = ok ? null : new StringBuilder();
        BodySink target = ok ? sink : (b, off, len, t) -> err.append(new String(b, off, len, StandardCharsets.UTF_8));
        boolean reusable = rh.keepAlive;
        if (rh.chunked) {
            ChunkedDecoder dec = new ChunkedDecoder();
            long[] now = {c.lastRead};
            ChunkedDecoder.Sink ds = (b, off, len) -> target.bytes(b, off, len, now[0]);
            while (true) {
                if (c.pos < c.lim) c.pos += dec.feed(c.buf, c.pos, c.lim - c.pos, ds);
                if (dec.done()) break;
                if (!c.fill()) throw new IOException("connection closed mid-response");
                now[0] = c.lastRead;
            }
        } else if (rh.contentLength >= 0) {
            long left = rh.contentLength;
            while (left > 0) {
                if (c.pos == c.lim && !c.fill()) throw new IOException("connection closed mid-response");
                int n = (int) Math.min(left, c.lim - c.pos);
                target.bytes(c.buf, c.pos, n, c.lastRead);
                c.pos += n;
                left -= n;
            }
        } else {
            reusable = false;  // delimited by close
            while (true) {
                if (c.pos < c.lim) {
                    target.bytes(c.buf, c.pos, c.lim - c.pos, c.lastRead);
                    c.pos = c.lim;
                }
                if (!c.fill()) break;
            }
        }
        if (reusable && !closed && c.pos == c.lim) idle.addFirst(c);
        else c.close();
        return new Response(rh.status, ok ? null : err.toString());
    }

    @Override
    public void close() {
        closed = true;
        for (Conn c; (c = idle.pollFirst()) != null; ) c.close();
    }

    /** The request could not be written, or no response byte came back, on a reused connection. */
    private static final class StaleConnection extends IOException {
        StaleConnection(Throwable cause) { super(cause); }
    }

    private record Head(int status, boolean chunked, long contentLength, boolean keepAlive) {}

    private static final class Conn {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[64 * 1024];
        int pos, lim;
        long lastRead;

        Conn(Socket s) throws IOException {
            socket = s;
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        /** Reads more bytes (compacting the buffer); false at end of stream. Stamps the read. */
        boolean fill() throws IOException {
            if (pos == lim) pos = lim = 0;
            else if (lim == buf.length) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            int n = in.read(buf, lim, buf.length - lim);
            lastRead = System.nanoTime();
            if (n < 0) return false;
            lim += n;
            return true;
        }

        Head readHead() throws IOException {
            boolean any = lim > pos;
            while (true) {
                int end = find();
                if (end >= 0) {
                    String text = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
                    pos = end + 4;
                    return parse(text);
                }
                if (pos > 0 && lim == buf.length) {
                    System.arraycopy(buf, pos, buf, 0, lim - pos);
                    lim -= pos;
                    pos = 0;
                }
                if (lim == buf.length) throw new IOException("response headers too large");
                int n;
                try {
                    n = in.read(buf, lim, buf.length - lim);
                } catch (IOException e) {
                    if (!any) throw new StaleConnection(e);
                    throw e;
                }
                lastRead = System.nanoTime();
                if (n < 0) {
                    if (!any) throw new StaleConnection(new IOException("closed"));
                    throw new IOException("connection closed in the response headers");
                }
                any = true;
                lim += n;
            }
        }

        private int find() {
            for (int i = pos; i + 3 < lim; i++)
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') return i;
            return -1;
        }

        private static Head parse(String text) throws IOException {
            String[] lines = text.split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/")) throw new IOException("not an HTTP response: " + lines[0]);
            int code;
            try {
                code = Integer.parseInt(status[1]);
            } catch (NumberFormatException e) {
                throw new IOException("bad status line: " + lines[0]);
            }
            boolean chunked = false, keepAlive = !status[0].equals("HTTP/1.0");
            long length = -1;
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c <= 0) continue;
                String k = lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), v = lines[i].substring(c + 1).trim().toLowerCase(Locale.ROOT);
                switch (k) {
                    case "transfer-encoding" -> chunked = v.contains("chunked");
                    case "content-length" -> length = Long.parseLong(v);
                    case "connection" -> keepAlive = v.contains("keep-alive") || (keepAlive && !v.contains("close"));
                    default -> { }
                }
            }
            if (code == 204 || code == 304) length = 0;
            return new Head(code, chunked, chunked ? -1 : length, keepAlive);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken connection: nothing to do
            }
        }
    }
}
