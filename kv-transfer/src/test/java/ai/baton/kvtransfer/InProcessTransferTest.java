package ai.baton.kvtransfer;

import ai.baton.kvtransfer.testing.KvPattern;
import ai.baton.kvtransfer.testing.TestNode;
import ai.baton.kvtransfer.ucx.UcxRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Two agents in one JVM: quick checks of the protocol paths (multi-process runs are in TwoProcessTransferTest). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InProcessTransferTest {
    private TestNode node;

    @BeforeEach
    void setUp() {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        node = new TestNode();
    }

    @AfterEach
    void tearDown() {
        if (node != null) node.close();
    }

    private String x(String cmd) throws Exception {
        return node.exec(cmd);
    }

    @Test
    void hostToHostLayerByLayer() throws Exception {
        x("agent recv -");
        x("agent send -");
        x("pool 0 host 3 32 4 4 16 4 HND 0 1");
        x("pool 1 host 3 32 4 4 16 4 HND 0 1");
        String desc = x("expect 0 7 5,6,7,20,3 5000").substring(5);
        x("fill 1 1,2,3,9,30 42");
        assertEquals("OK 0", x("send 1 1,2,3,9,30 - 5 " + desc));
        assertTrue(x("await 0 7 10000").startsWith("DONE [0,1,2] UCX"));
        assertTrue(x("sendwait 0 10000").startsWith("DONE [UCX]"));
        assertEquals("VERIFY 0 0 -", x("verify 0 5,6,7,20,3 42"));
        assertNotEquals("VERIFY 0 0 -", x("verify 0 5,6,7,20,3 43"), "the check can fail");
        assertNotEquals("VERIFY 0 0 -", x("verify 0 5,6,7,20 42"), "a written block outside the list counts as stray");
        assertEquals("LEASES 0", x("leases 0"));
        assertTrue(node.agent(1).metrics().get(TransportKind.UCX, KvMetrics.Counter.BYTES_SENT) > 0);
    }

    @Test
    void userMemoryAndNhdLayout() throws Exception {
        x("agent recv -");
        x("agent send -");
        x("pool 0 user 2 16 8 2 8 2 NHD 0 1");
        x("pool 1 user 2 16 8 2 8 2 NHD 0 1");
        String desc = x("expect 0 1 0,15,7 5000").substring(5);
        x("fill 1 3,4,5 9");
        x("send 1 3,4,5 ucx 0 " + desc);
        assertTrue(x("await 0 1 10000").startsWith("DONE"));
        assertEquals("VERIFY 0 0 -", x("verify 0 0,15,7 9"));
    }

    @Test
    void stagedThroughSimulatedDevices() throws Exception {
        x("agent recv - 4096");
        x("agent send - 4096");
        x("pool 0 sim 2 16 4 4 16 4 HND 0 1");   // device receiver: stages through its ring
        x("pool 1 sim 2 16 4 4 16 4 HND 0 1");   // device sender: stages through its send buffer
        x("pool 0 host 2 16 4 4 16 4 HND 0 1");  // host receiver
        String d1 = x("expect 0 1 0,1,2,3,4,5,6,7,8,9 5000").substring(5);
        String d2 = x("expect 2 2 9,3,1,15 5000").substring(5);
        x("fill 1 2,3,4,5,6,7,8,9,10,11 5");
        x("send 1 2,3,4,5,6,7,8,9,10,11 staged 0 " + d1);
        assertTrue(x("await 0 1 10000").startsWith("DONE [0,1] STAGED"), x("await 0 1 1"));
        assertEquals("VERIFY 0 0 -", x("verify 0 0,1,2,3,4,5,6,7,8,9 5"));
        x("fill 1 0,1,2,3 6");
        x("send 1 0,1,2,3 - 0 " + d2);
        assertTrue(x("await 0 2 10000").startsWith("DONE"));
        assertEquals("VERIFY 0 0 -", x("verify 2 9,3,1,15 6"));
        assertEquals(3, node.pool(0).describe().staging().slots());
    }

    @Test
    void receiverCancelStopsTheSenderAndFreesBlocks() throws Exception {
        x("agent recv -");
        x("agent send -");
        x("pool 0 host 4 8 4 2 8 4 HND 0 1");
        x("pool 1 host 4 8 4 2 8 4 HND 0 1");
        String desc = x("expect 0 3 0,1 5000").substring(5);
        x("send 1 0,1 - 300 " + desc); // slow sender: layer every 300 ms
        node.inbound(0, 3).awaitLayer(0, Duration.ofSeconds(5));
        node.inbound(0, 3).cancel("client went away");
        String r = x("sendwait 0 5000");
        assertTrue(r.startsWith("FAILED FAILED") && r.contains("client went away"), r);
        // The sender confirmed it stopped, so the receiver freed the blocks without waiting for the grace period.
        long t0 = System.nanoTime();
        while (!x("released 0 3").contains("cancelled") && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) Thread.sleep(10);
        assertTrue(x("released 0 3").contains("cancelled"));
        assertEquals("LEASES 0", x("leases 0"));
    }

    @Test
    void unknownTransferIsRejected() throws Exception {
        x("agent recv -");
        x("agent send -");
        x("pool 0 host 1 8 4 2 8 4 HND 0 1");
        x("pool 1 host 1 8 4 2 8 4 HND 0 1");
        String desc = x("expect 0 3 0,1 5000").substring(5);
        PeerDescriptor d = PeerDescriptor.fromBase64(desc).withTransferId(99);
        x("send 1 0,1 - 0 " + d.toBase64());
        String r = x("sendwait 0 5000");
        assertTrue(r.contains("unknown transfer 99"), r);
    }

    @Test
    void cudaIpcWithoutGpuIsAOneLineError() throws Exception {
        x("agent recv -");
        x("agent send -");
        x("pool 0 host 1 8 4 2 8 4 HND 0 1");
        x("pool 1 host 1 8 4 2 8 4 HND 0 1");
        String desc = x("expect 0 3 0,1 5000").substring(5);
        x("send 1 0,1 cuda-ipc 0 " + desc);
        String r = x("sendwait 0 5000");
        assertTrue(r.startsWith("FAILED") && r.contains("cuda-ipc cannot be used"), r);
        assertFalse(r.contains("\n"));
    }

    @Test
    void emptyPlanIsDoneAtOnce() throws Exception {
        // 2 heads, sender TP 4 (replicated), receiver TP 1: ranks 1 and 3 are not picked as sources.
        x("agent recv -");
        x("agent send -");
        x("pool 0 host 1 8 4 2 8 4 HND 0 1");
        x("pool 1 host 1 8 4 2 8 4 HND 1 4");
        String desc = x("expect 0 3 0,1 5000").substring(5);
        x("send 1 0,1 - 0 " + desc);
        assertTrue(x("sendwait 0 5000").startsWith("DONE []"));
        List<TransportKind> none = List.of();
        assertEquals(none, node.agent(1).possibleTransports(node.pool(1), PeerDescriptor.fromBase64(desc)).stream()
                .filter(k -> k == TransportKind.CUDA_IPC).toList());
        assertEquals(KvPattern.class, KvPattern.class);
    }
}
