package ai.baton.kvtransfer.control;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One control connection to a peer agent. A reader thread dispatches incoming messages in order; senders write
 * directly under a lock (each hop through another thread costs latency that small transfers feel). A write only
 * blocks when the peer stopped reading for megabytes of notices, i.e. it hangs, and the heartbeat then closes the
 * socket, which ends the write.
 *
 * <p>The kernel closes a dead process's socket, so a peer that dies is seen here at once as end-of-stream or
 * a reset; a peer that hangs or is cut off is caught by the heartbeat ({@link #checkHeartbeat}).
 */
public final class PeerLink {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer.control");

    /** What the owning agent does with messages and with the end of the link. */
    public interface Handler {
        void onMessage(PeerLink link, ControlMessage message);

        void onLinkDown(PeerLink link, String reason);
    }

    private final Socket socket;
    private final Handler handler;
    private final boolean outbound;
    private final Object writeLock = new Object();
    private OutputStream out; // guarded by writeLock
    private final AtomicBoolean down = new AtomicBoolean();
    private final CompletableFuture<ControlMessage.Hello> hello = new CompletableFuture<>();
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile long lastSentNanos = System.nanoTime();
    private volatile String downReason;

    private PeerLink(Socket socket, Handler handler, boolean outbound) throws IOException {
        this.socket = socket;
        this.handler = handler;
        this.outbound = outbound;
        socket.setTcpNoDelay(true);
    }

    /** Connects to a peer's control endpoint and says hello; {@link #hello()} completes with its answer. */
    public static PeerLink connect(InetSocketAddress to, int timeoutMillis, Handler handler, ControlMessage.Hello me)
            throws IOException {
        Socket s = new Socket();
        try {
            s.connect(to, timeoutMillis);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        PeerLink l = new PeerLink(s, handler, true);
        l.start(me);
        return l;
    }

    static PeerLink accepted(Socket s, Handler handler, ControlMessage.Hello me) throws IOException {
        PeerLink l = new PeerLink(s, handler, false);
        l.start(me);
        return l;
    }

    private void start(ControlMessage.Hello me) throws IOException {
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 12);
        send(me);
        // A platform thread: a blocking read wakes it straight from the kernel, no poller hop.
        Thread.ofPlatform().daemon().name("kv-link-reader").start(this::readLoop);
    }

    public CompletableFuture<ControlMessage.Hello> hello() {
        return hello;
    }

    /** The peer's agent id, once its hello arrived (else 0). */
    public long remoteAgentId() {
        return hello.isDone() && !hello.isCompletedExceptionally() ? hello.join().agentId() : 0;
    }

    public String remoteName() {
        return hello.isDone() && !hello.isCompletedExceptionally() ? hello.join().name() : String.valueOf(socket.getRemoteSocketAddress());
    }

    public boolean isOutbound() {
        return outbound;
    }

    public boolean isDown() {
        return down.get();
    }

    public String downReason() {
        return downReason;
    }

    /** Writes a message; silently dropped once the link is down (the peer is gone anyway). */
    public void send(ControlMessage m) {
        if (down.get()) return;
        byte[] frame = ControlCodec.encode(m);
        try {
            synchronized (writeLock) {
                out.write(frame);
                out.flush();
            }
            lastSentNanos = System.nanoTime();
        } catch (IOException e) {
            close("control connection to " + remoteName() + " lost: " + e.getMessage());
        }
    }

    /** Sends a ping when idle and closes the link when the peer has been silent for too long. */
    public void checkHeartbeat(long nowNanos, long intervalNanos, long timeoutNanos) {
        if (down.get()) return;
        if (nowNanos - lastHeardNanos > timeoutNanos) {
            close("no heartbeat from " + remoteName() + " for " + TimeUnit.NANOSECONDS.toMillis(nowNanos - lastHeardNanos) + " ms");
        } else if (nowNanos - lastSentNanos > intervalNanos) {
            send(new ControlMessage.Ping());
        }
    }

    public void close(String reason) {
        if (!down.compareAndSet(false, true)) return;
        downReason = reason;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        hello.completeExceptionally(new IOException("control link down: " + reason));
        LOG.log(System.Logger.Level.DEBUG, "control link to {0} down: {1}", remoteName(), reason);
        handler.onLinkDown(this, reason);
    }

    private void readLoop() {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16))) {
            while (!down.get()) {
                ControlMessage m = ControlCodec.read(in);
                lastHeardNanos = System.nanoTime();
                if (m instanceof ControlMessage.Hello h) {
                    hello.complete(h);
                    continue;
                }
                if (m instanceof ControlMessage.Ping) continue;
                try {
                    handler.onMessage(this, m);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "control message " + m + " failed", e);
                }
            }
        } catch (EOFException e) {
            close("peer " + remoteName() + " closed the control connection");
        } catch (IOException e) {
            close("control connection to " + remoteName() + " lost: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "PeerLink[" + remoteName() + (outbound ? " out" : " in") + (down.get() ? " down" : "") + "]";
    }
}
