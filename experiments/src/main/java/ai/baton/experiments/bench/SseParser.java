package ai.baton.experiments.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a server-sent-event stream into events as its bytes arrive, stamping each event with the time of the read
 * that completed it. It does no JSON work (that would delay the next read under load): it keeps (time, data) pairs,
 * which {@link StreamParser} reads once the stream has ended.
 */
final class SseParser {
    /** One event: the data lines joined by '\n', and System.nanoTime() when it was complete. */
    record Event(long nanos, String data) {}

    private final List<Event> events = new ArrayList<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private boolean lastWasCr;

    void feed(byte[] b, int off, int len, long now) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c == '\n') {
                if (lastWasCr) { lastWasCr = false; continue; }  // the \\n of a \\r\\n
                endLine(now);
            } else if (c == '\r') {
                lastWasCr = true;
                endLine(now);
            } else {
                lastWasCr = false;
                line.write(c);
            }
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

    /** The stream ended: a last line or event without its terminator still counts. */
    void finish(long now) {
        if (line.size() > 0) endLine(now);
        dispatch(now);
    }

    List<Event> events() { return events; }
}
