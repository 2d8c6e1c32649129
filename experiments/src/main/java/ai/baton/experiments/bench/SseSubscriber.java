package ai.baton.experiments.bench;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Reads a server-sent-event stream as the bytes arrive and stamps each complete event with the time its last
 * bytes were received. It does no JSON work (that would delay the next buffer's timestamp under load): it only
 * splits lines and keeps (time, data) pairs, which {@link StreamParser} reads once the stream has ended.
 */
final class SseSubscriber implements Flow.Subscriber<List<ByteBuffer>> {
    /** One event: the data lines joined by '\n', and System.nanoTime() when it was complete. */
    record Event(long nanos, String data) {}

    private final List<Event> events = new ArrayList<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder();
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    private boolean hasData;
    private boolean lastWasCr;

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        long now = System.nanoTime();
        for (ByteBuffer b : buffers) {
            while (b.hasRemaining()) feed(b.get(), now);
        }
    }

    private void feed(byte c, long now) {
        if (c == '\n') {
            if (lastWasCr) { lastWasCr = false; return; }  // the \n of a \r\n
            endLine(now);
        } else if (c == '\r') {
            lastWasCr = true;
            endLine(now);
        } else {
            lastWasCr = false;
            line.write(c);
        }
    }

    private void endLine(long now) {
        String l = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (l.isEmpty()) {
            dispatch(now);
            return;
        }
        if (l.charAt(0) == ':') return;  // a comment, e.g. a keep-alive ping
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        if (!field.equals("data")) return;  // event:, id:, retry: carry nothing we time
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) value = value.substring(1);
        if (hasData) data.append('\n');
        data.append(value);
        hasData = true;
    }

    private void dispatch(long now) {
        if (!hasData) return;
        events.add(new Event(now, data.toString()));
        data.setLength(0);
        hasData = false;
    }

    @Override
    public void onError(Throwable throwable) {
        done.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        long now = System.nanoTime();
        if (line.size() > 0) endLine(now);
        dispatch(now);  // a last event without its blank line still counts
        done.complete(now);
    }

    /** Completes with the nanoTime of the stream's end. */
    CompletableFuture<Long> done() { return done; }

    /** The events so far; read only after {@link #done()}. */
    List<Event> events() { return events; }
}
