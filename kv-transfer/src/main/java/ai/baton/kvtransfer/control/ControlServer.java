package ai.baton.kvtransfer.control;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Supplier;

/** Accepts control connections from peer agents; each becomes a {@link PeerLink}. */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("ai.baton.kvtransfer.control");

    private final ServerSocket server;
    private final Thread acceptor;
    private volatile boolean closed;

    public ControlServer(InetSocketAddress bind, PeerLink.Handler handler, Supplier<ControlMessage.Hello> hello,
                         java.util.function.Consumer<PeerLink> onAccept) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(bind, 128);
        acceptor = Thread.ofPlatform().daemon().name("kv-control-accept-" + server.getLocalPort()).start(() -> {
            while (!closed) {
                try {
                    Socket s = server.accept();
                    onAccept.accept(PeerLink.accepted(s, handler, hello.get()));
                } catch (IOException e) {
                    if (!closed) LOG.log(System.Logger.Level.WARNING, "control accept failed: {0}", e.toString());
                }
            }
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetAddress address() {
        return server.getInetAddress();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
