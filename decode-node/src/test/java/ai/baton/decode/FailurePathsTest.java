package ai.baton.decode;

import ai.baton.kvtransfer.ucx.UcxRuntime;
import ai.baton.node.kv.KvSender;
import ai.baton.node.kv.UcxKvReceiver;
import ai.baton.prefill.PrefillNode;
import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.KvTarget;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.ReleaseRequest;
import ai.baton.proto.Sampling;
import ai.baton.proto.TokenChunk;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every way a request can end early frees every block: cancellation, lease expiry, release, a dead decode node. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailurePathsTest {
    static final Duration LEASE = Duration.ofSeconds(30);
    static final AtomicLong clock = new AtomicLong(System.nanoTime());
    static PrefillNode prefill;
    static DecodeNode decode;
    static Router router;
    static ManagedChannel p, d;
    /** The decode node the killing sender takes down mid-transfer. */
    static final AtomicReference<DecodeNode> victim = new AtomicReference<>();

    @BeforeAll
    static void start() {
        assumeTrue(UcxRuntime.unavailableReason() == null, "libucx not installed");
        router = new Router();
        prefill = Nodes.prefill("p-fail", 1, KillingSender::new);
        decode = Nodes.decode("d-fail", 1, clock::get, LEASE);
        p = router.channel(prefill.port());
        d = router.channel(decode.port());
    }

    @AfterAll
    static void stop() {
        if (router != null) router.close();
        if (prefill != null) prefill.close();
        if (decode != null) decode.close();
    }

    @AfterEach
    void everyBlockBack() throws InterruptedException {
        DisaggregatedServingTest.assertNoBlocksHeld(prefill, decode);
    }

    private static DecodeServiceGrpc.DecodeServiceBlockingStub decodeStub() {
        return DecodeServiceGrpc.newBlockingStub(d).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static PrefillServiceGrpc.PrefillServiceBlockingStub prefillStub() {
        return PrefillServiceGrpc.newBlockingStub(p).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static int[] prompt(int n) { return DisaggregatedServingTest.randomTokens(new Random(n), n); }

    @Test
    void cancellingAStreamAbortsTheRequestAndFreesItsBlocks() throws Exception {
        int[] prompt = prompt(40);
        Sampling s = Router.greedy(4000);
        KvTarget t = decodeStub().reserve(Router.reserve("cancel-stream", prompt, 4000));
        var first = prefillStub().prefill(Router.prefill("cancel-stream", prompt, s, t));
        Context.CancellableContext ctx = Context.current().withCancellation();
        int received = ctx.call(() -> {
            Iterator<TokenChunk> it = decodeStub().generate(Router.generate("cancel-stream", prompt, s, t.getReservationId(), first.getFirstToken()));
            int n = 0;
            while (n < 3 && it.hasNext()) n += it.next().getTokenIdsCount();
            ctx.cancel(null);
            return n;
        });
        assertEquals(3, received);
    }

    @Test
    void cancellingALocalPrefillStreamAbortsIt() throws Exception {
        int[] prompt = prompt(30);
        Context.CancellableContext ctx = Context.current().withCancellation();
        int received = ctx.call(() -> {
            Iterator<TokenChunk> it = decodeStub().generate(Router.generate("cancel-local", prompt, Router.greedy(4000), "", 0));
            int n = 0;
            while (n < 3 && it.hasNext()) n += it.next().getTokenIdsCount();
            ctx.cancel(null);
            return n;
        });
        assertEquals(3, received);
    }

    @Test
    void cancellingWhileWaitingForTheKvReleasesTheReservation() throws Exception {
        int[] prompt = prompt(20);
        Sampling s = Router.greedy(10);
        KvTarget t = decodeStub().reserve(Router.reserve("cancel-wait", prompt, 10));
        Context.CancellableContext ctx = Context.current().withCancellation();
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        ctx.run(() -> DecodeServiceGrpc.newStub(d).generate(Router.generate("cancel-wait", prompt, s, t.getReservationId(), 1),
                new io.grpc.stub.StreamObserver<>() {
                    public void onNext(TokenChunk c) { }
                    public void onError(Throwable e) { failed.complete(e); }
                    public void onCompleted() { failed.complete(null); }
                }));
        Thread.sleep(300); // the call now waits for KV that never comes
        assertEquals(1, decode.pendingReservations());
        ctx.cancel(null);
        assertEquals(Status.Code.CANCELLED, Status.fromThrowable(failed.get(10, TimeUnit.SECONDS)).getCode());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (decode.pendingReservations() > 0 && System.nanoTime() < until) Thread.sleep(5); // the cancel reaches the server
        assertEquals(0, decode.pendingReservations());
        // The prefill node comes too late: the target is gone, and it says so at once.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> prefillStub().prefill(Router.prefill("cancel-wait", prompt, s, t)));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
    }

    @Test
    void anExpiredLeaseFreesTheBlocksAndTheReservationIsGone() {
        int[] prompt = prompt(50);
        KvTarget t = decodeStub().reserve(Router.reserve("expire", prompt, 30));
        assertEquals(5, t.getBlockIdsCount());
        assertEquals(5, decode.reservedBlocks());
        assertEquals(5, decode.engine().stats().kvBlocksUsed());
        assertEquals(0, decode.expireLeases(), "not before the deadline");
        clock.addAndGet(LEASE.toNanos());
        assertEquals(1, decode.expireLeases());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> decodeStub()
                .generate(Router.generate("expire", prompt, Router.greedy(30), t.getReservationId(), 1)).hasNext());
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void releaseFreesAReservationOnce() {
        int[] prompt = prompt(10);
        KvTarget t = decodeStub().reserve(Router.reserve("release", prompt, 5));
        ReleaseRequest r = ReleaseRequest.newBuilder().setReservationId(t.getReservationId()).build();
        assertTrue(decodeStub().release(r).getReleased());
        assertFalse(decodeStub().release(r).getReleased());
    }

    @Test
    void aPoolTooShortForTheReservationIsResourceExhausted() {
        int[] prompt = prompt(10);
        KvTarget big = decodeStub().reserve(Router.reserve("big", prompt, 6000));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> decodeStub().reserve(Router.reserve("big2", prompt, 6000)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(decodeStub().release(ReleaseRequest.newBuilder().setReservationId(big.getReservationId()).build()).getReleased());
    }

    @Test
    void aMalformedTargetIsRejectedBeforeAnyCompute() {
        int[] prompt = prompt(10);
        KvTarget t = KvTarget.newBuilder().addRankDescriptors(ByteString.copyFromUtf8("garbage")).addBlockIds(1).build();
        long prompts = prefill.engine().stats().promptTokens();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> prefillStub().prefill(Router.prefill("bad", prompt, Router.greedy(3), t)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(prompts, prefill.engine().stats().promptTokens(), "nothing was submitted to the engine");
    }

    @Test
    void aDecodeNodeThatDiesMidTransferFailsThePrefillPromptly() throws Exception {
        DecodeNode doomed = Nodes.decode("d-doomed", 1);
        try {
            victim.set(doomed);
            ManagedChannel dc = router.channel(doomed.port());
            int[] prompt = prompt(60);
            KvTarget t = DecodeServiceGrpc.newBlockingStub(dc).reserve(Router.reserve("kill-1", prompt, 10));
            long start = System.nanoTime();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> prefillStub().prefill(Router.prefill("kill-1", prompt, Router.greedy(10), t)));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
            assertTrue(seconds < 10, "failed after " + seconds + " s");
        } finally {
            victim.set(null);
            doomed.close();
        }
    }

    /** Kills the victim decode node's KV agent (as if its process died) between layer 0 and layer 1 of a "kill-" request. */
    static final class KillingSender implements KvSender {
        private final KvSender inner;

        KillingSender(KvSender inner) { this.inner = inner; }

        @Override
        public Outbound open(String requestId, List<byte[]> targets) {
            Outbound out = inner.open(requestId, targets);
            if (!requestId.startsWith("kill-")) return out;
            return new Outbound() {
                @Override
                public void pushLayer(int rank, int layer, int[] blocks) {
                    DecodeNode v = victim.get();
                    if (layer == 1 && v != null) ((UcxKvReceiver) v.kvReceiver()).agent().close();
                    out.pushLayer(rank, layer, blocks);
                }

                @Override public CompletableFuture<Long> done() { return out.done(); }

                @Override public String transport() { return out.transport(); }

                @Override public void abort(String reason) { out.abort(reason); }
            };
        }

        @Override
        public void close() { inner.close(); }
    }
}
