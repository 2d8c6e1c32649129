package ai.baton.kvtransfer;

import ai.baton.kvtransfer.testing.PeerProcess;
import ai.baton.kvtransfer.testing.TestNode;
import ai.baton.kvtransfer.ucx.UcxRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sender ranks in this JVM, receiver ranks in a second JVM (or the other way round for the dying-sender case):
 * random KV blocks, non-contiguous block lists, several layouts and TP splits, every byte verified.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TwoProcessTransferTest {
    private static final Duration T = Duration.ofSeconds(30);
    private TestNode local;
    private PeerProcess peer;

    @BeforeEach
    void setUp() {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        local = new TestNode();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (peer != null) peer.close();
        if (local != null) local.close();
    }

    private record Shape(int layers, int numBlocks, int blockSize, int heads, int headDim, int elem, KvLayout layout) {
        String args(String kind, int rank, int tp) {
            return kind + " " + layers + " " + numBlocks + " " + blockSize + " " + heads + " " + headDim + " " + elem + " " + layout + " " + rank + " " + tp;
        }
    }

    /** n sender ranks here, m receiver ranks in the peer process; each rank gets its own random, scattered block ids. */
    private void transfer(Shape s, int n, int m, String srcKind, String dstKind, String tls, String transport, String expectKind) throws Exception {
        Random rnd = new Random(s.hashCode() * 31L + n * 7 + m);
        int reqBlocks = 6;
        long seed = rnd.nextLong();
        peer = new PeerProcess("recv", Map.of());
        List<String> descs = new ArrayList<>();
        String agentTail = tls + (srcKind.equals("sim") || dstKind.equals("sim") ? " 8192" : "");
        for (int r = 0; r < m; r++) {
            peer.expect("agent recv" + r + " " + agentTail, "OK", T);
            peer.expect("pool " + r + " " + s.args(dstKind, r, m), "OK", T);
            int[] dst = scattered(rnd, s.numBlocks(), reqBlocks);
            descs.add(peer.expect("expect " + r + " 1001 " + TestNode.csv(dst) + " 20000", "DESC", T));
            descs.add(TestNode.csv(dst));
        }
        List<String> sendIds = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            local.exec("agent send" + r + " " + agentTail);
            local.exec("pool " + r + " " + s.args(srcKind, r, n));
            int[] src = scattered(rnd, s.numBlocks(), reqBlocks);
            local.exec("fill " + r + " " + TestNode.csv(src) + " " + seed);
            List<String> d = new ArrayList<>();
            for (int i = 0; i < descs.size(); i += 2) d.add(descs.get(i));
            String transportArg = transport == null ? "-" : transport;
            sendIds.add(local.exec("send " + r + " " + TestNode.csv(src) + " " + transportArg + " 2 " + String.join(",", d)).substring(3));
        }
        for (int r = 0; r < m; r++) {
            String done = peer.expect("await " + r + " 1001 20000", "DONE", T);
            String layersLanded = done.split(" ")[0];
            for (int l = 0; l < s.layers(); l++) assertTrue(layersLanded.contains(String.valueOf(l)), "layer " + l + " landed: " + done);
            assertTrue(done.endsWith(expectKind), "transport " + done);
            assertEquals("0 0 -", peer.expect("verify " + r + " " + descs.get(2 * r + 1) + " " + seed, "VERIFY", T), "bytes of rank " + r);
            assertEquals("0", peer.expect("leases " + r, "LEASES", T));
        }
        for (String id : sendIds) assertTrue(local.exec("sendwait " + id + " 20000").startsWith("DONE"));
    }

    private static int[] scattered(Random rnd, int numBlocks, int n) {
        return rnd.ints(0, numBlocks).distinct().limit(n).toArray();
    }

    @Test
    void tp1to1HndFp32() throws Exception {
        transfer(new Shape(4, 24, 16, 4, 32, 4, KvLayout.HND), 1, 1, "host", "host", "-", null, "UCX");
    }

    @Test
    void tp2to1HndBf16() throws Exception {
        transfer(new Shape(3, 16, 8, 8, 64, 2, KvLayout.HND), 2, 1, "host", "host", "-", null, "UCX");
    }

    @Test
    void tp1to2NhdFp32() throws Exception {
        transfer(new Shape(3, 16, 4, 4, 16, 4, KvLayout.NHD), 1, 2, "host", "host", "-", null, "UCX");
    }

    @Test
    void tp2to4HndBf16() throws Exception {
        transfer(new Shape(2, 16, 16, 4, 32, 2, KvLayout.HND), 2, 4, "host", "host", "-", null, "UCX");
    }

    @Test
    void tp1to4ReplicatedKvHeadsOverTcp() throws Exception {
        // 2 KV heads, TP 4 on the receiver: each head lives on two ranks, and each gets its copy.
        transfer(new Shape(2, 12, 8, 2, 32, 2, KvLayout.HND), 1, 4, "host", "host", "tcp", "ucx", "UCX");
    }

    @Test
    void stagedDeviceToDeviceTp2to1() throws Exception {
        transfer(new Shape(2, 16, 8, 4, 64, 2, KvLayout.HND), 2, 1, "sim", "sim", "-", null, "STAGED");
    }

    @Test
    void dyingSenderIsReportedAndItsBlocksFreed() throws Exception {
        Shape s = new Shape(6, 8, 4, 2, 16, 4, KvLayout.HND);
        local.exec("agent recv -");
        local.exec("pool 0 " + s.args("host", 0, 1));
        String desc = local.exec("expect 0 5 1,2,3 60000").substring(5);
        peer = new PeerProcess("send", Map.of());
        peer.expect("agent send -", "OK", T);
        peer.expect("pool 0 " + s.args("host", 0, 1), "OK", T);
        peer.expect("send 0 4,5,6 - 400 " + desc, "OK", T); // one layer every 400 ms
        local.inbound(0, 5).awaitLayer(0, T);
        long t0 = System.nanoTime();
        peer.kill();
        String r = local.exec("await 0 5 10000");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(r.startsWith("FAILED") && r.contains("lost"), r);
        assertTrue(ms < 3000, "dead sender noticed after " + ms + " ms");
        // Lease is 60 s, yet the blocks are back at once: the only sender is dead, nothing can write any more.
        assertTrue(local.exec("released 0 5").contains("lost"), local.exec("released 0 5"));
        assertEquals("LEASES 0", local.exec("leases 0"));
    }

    @Test
    void dyingReceiverFailsTheSenderPromptly() throws Exception {
        Shape s = new Shape(8, 8, 4, 2, 16, 4, KvLayout.HND);
        peer = new PeerProcess("recv", Map.of());
        peer.expect("agent recv -", "OK", T);
        peer.expect("pool 0 " + s.args("host", 0, 1), "OK", T);
        String desc = peer.expect("expect 0 9 1,2,3 60000", "DESC", T);
        local.exec("agent send -");
        local.exec("pool 0 " + s.args("host", 0, 1));
        local.exec("send 0 4,5,6 - 300 " + desc);
        Thread.sleep(700);
        long t0 = System.nanoTime();
        peer.kill();
        String r = local.exec("sendwait 0 10000");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(r.startsWith("FAILED FAILED") && r.contains("lost"), r);
        assertTrue(ms < 3000, "dead receiver noticed after " + ms + " ms");
    }
}
