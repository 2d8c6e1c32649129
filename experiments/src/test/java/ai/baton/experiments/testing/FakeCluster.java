package ai.baton.experiments.testing;

import java.util.List;

/**
 * A stand-in for {@code baton up} in sweep tests: serves {@link FakeOpenAiServer} on --port, faster at first
 * tokens with more prefill nodes and faster between tokens with more decode nodes, until SIGTERM.
 */
public final class FakeCluster {
    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        int port = Integer.parseInt(arg(a, "--port", "8000"));
        int p = Integer.parseInt(arg(a, "--prefill", "1")), d = Integer.parseInt(arg(a, "--decode", "1"));
        FakeOpenAiServer s = new FakeOpenAiServer(port);
        s.prefillNodes = p;
        s.decodeNodes = d;
        s.ttftMs = p == 0 ? 60 : 40 / p;
        s.itlMs = Math.max(1, 12 / d);
        Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        System.out.println("fake cluster up: " + String.join(" ", args));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static String arg(List<String> a, String name, String dflt) {
        int i = a.indexOf(name);
        return i >= 0 && i + 1 < a.size() ? a.get(i + 1) : dflt;
    }
}
