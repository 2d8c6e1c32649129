package ai.baton.experiments.bench;

/**
 * Undoes HTTP/1.1 chunked transfer coding incrementally: bytes go in as they are read, payload bytes come out in
 * the same call, so the caller can timestamp them with the read that delivered them.
 */
final class ChunkedDecoder {
    /** Where payload bytes go. */
    interface Sink {
        void payload(byte[] b, int off, int len);
    }

    private enum State { SIZE, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER, TRAILER_LF, DONE }

    private State state = State.SIZE;
    private long size, remaining;
    private boolean sizeDigits, inExtension, trailerLineEmpty = true;

    boolean done() { return state == State.DONE; }

    /** Consumes b[off, off+len); returns how many bytes were used (less than len only once the body is complete). */
    int feed(byte[] b, int off, int len, Sink sink) {
        int i = off, end = off + len;
        while (i < end && state != State.DONE) {
            switch (state) {
                case SIZE -> {
                    byte c = b[i++];
                    if (c == '\r') state = State.SIZE_LF;
                    else if (c == '\n') endSizeLine();
                    else if (c == ';') inExtension = true;
                    else if (!inExtension && c != ' ' && c != '\t') {
                        int d = Character.digit(c, 16);
                        if (d < 0) throw new IllegalStateException("bad chunk size byte " + (c & 0xff));
                        size = size * 16 + d;
                        sizeDigits = true;
                    }
                }
                case SIZE_LF -> {
                    if (b[i++] != '\n') throw new IllegalStateException("chunk size line without LF");
                    endSizeLine();
                }
                case DATA -> {
                    int n = (int) Math.min(remaining, end - i);
                    sink.payload(b, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) state = State.DATA_CR;
                }
                case DATA_CR -> {
                    byte c = b[i++];
                    if (c == '\n') state = State.SIZE;
                    else if (c == '\r') state = State.DATA_LF;
                    else throw new IllegalStateException("chunk data not followed by CRLF");
                }
                case DATA_LF -> {
                    if (b[i++] != '\n') throw new IllegalStateException("chunk data not followed by CRLF");
                    state = State.SIZE;
                }
                case TRAILER -> {
                    byte c = b[i++];
                    if (c == '\r') state = State.TRAILER_LF;
                    else if (c == '\n') endTrailerLine();
                    else trailerLineEmpty = false;
                }
                case TRAILER_LF -> {
                    if (b[i++] != '\n') throw new IllegalStateException("trailer line without LF");
                    endTrailerLine();
                }
                default -> throw new IllegalStateException();
            }
        }
        return i - off;
    }

    private void endSizeLine() {
        if (!sizeDigits) throw new IllegalStateException("empty chunk size");
        if (size == 0) {
            state = State.TRAILER;
            trailerLineEmpty = true;
        } else {
            remaining = size;
            state = State.DATA;
        }
        size = 0;
        sizeDigits = false;
        inExtension = false;
    }

    private void endTrailerLine() {
        if (trailerLineEmpty) state = State.DONE;
        else {
            trailerLineEmpty = true;
            state = State.TRAILER;
        }
    }
}
