package ai.baton.router.testing;

import ai.baton.engine.FinishReason;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.node.Protos;
import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.GenerateRequest;
import ai.baton.proto.KvTarget;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.PrefillRequest;
import ai.baton.proto.PrefillResponse;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.ReleaseRequest;
import ai.baton.proto.ReleaseResponse;
import ai.baton.proto.ReserveRequest;
import ai.baton.proto.Role;
import ai.baton.proto.StatsRequest;
import ai.baton.proto.TokenChunk;
import ai.baton.proto.TokenLogprob;
import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test double of a prefill or decode node, served in-process. It has no KV transfer: the decode side re-runs the
 * whole prompt on a shared collocated engine and leaves the first token out of its stream (the prefill double
 * returned it), which is what a real pair produces for greedy sampling. Failures and capacity are injectable.
 */
public final class FakeNode implements AutoCloseable {
    public final String id;
    public final Role role;
    public final String address;
    private final LlmEngine engine;
    private final int capacityBlocks;
    private final Server server;
    private final Map<String, Integer> reservations = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    public final AtomicInteger prefills = new AtomicInteger();
    public final AtomicInteger generates = new AtomicInteger();
    public final AtomicInteger localPrefills = new AtomicInteger();
    public final AtomicInteger failNext = new AtomicInteger();
    public final AtomicInteger releases = new AtomicInteger();
    public volatile boolean down;
    /** What the node tells the registry it schedules by ("fcfs" or "priority"); set before it registers. */
    public volatile String schedulingPolicy = "fcfs";
    /** Delay before a prefill answers (to test cancellation mid-prefill). */
    public volatile long prefillDelayMs;
    private final AtomicLong ids = new AtomicLong();

    public FakeNode(String id, Role role, LlmEngine engine, int capacityBlocks) throws IOException {
        this.id = id;
        this.role = role;
        this.engine = engine;
        this.capacityBlocks = capacityBlocks;
        this.address = "fake-" + id + "-" + System.nanoTime();
        InProcessServerBuilder b = InProcessServerBuilder.forName(address);
        if (role == Role.PREFILL) b.addService(new Prefill());
        else b.addService(new Decode());
        server = b.build().start();
    }

    public NodeInfo info() {
        return NodeInfo.newBuilder().setNodeId(id).setRole(role).setAddress(address).setModel("m").setTpSize(1)
                .setKvBlocksTotal(capacityBlocks).setBlockSize(engine.blockSize()).setMaxModelLen(engine.maxModelLen())
                .setBackend("cpu").setSchedulingPolicy(schedulingPolicy).build();
    }

    public int reservedBlocks() {
        int s = 0;
        for (int b : reservations.values()) s += b;
        return s;
    }

    public int running() { return running.get(); }

    private NodeStats nodeStats() {
        var s = engine.stats();
        return NodeStats.newBuilder().setRunning(running.get()).setKvBlocksTotal(capacityBlocks)
                .setKvBlocksReserved(reservedBlocks()).setPrefixHitTokens(s.prefixHitTokens())
                .setPrefixQueryTokens(s.prefixQueryTokens()).build();
    }

    private boolean failing(StreamObserver<?> out) {
        if (down) {
            out.onError(Status.UNAVAILABLE.withDescription(id + " is down").asRuntimeException());
            return true;
        }
        if (failNext.get() > 0 && failNext.decrementAndGet() >= 0) {
            out.onError(Status.UNAVAILABLE.withDescription(id + " failed on purpose").asRuntimeException());
            return true;
        }
        return false;
    }

    static TokenLogprob lp(TokenLogprobs l) {
        TokenLogprob.Builder b = TokenLogprob.newBuilder().setToken(l.token()).setLogprob(l.logprob());
        for (int i = 0; i < l.topIds().length; i++) b.addTopIds(l.topIds()[i]).addTopLogprobs(l.topLogprobs()[i]);
        return b.build();
    }

    private final class Prefill extends PrefillServiceGrpc.PrefillServiceImplBase {
        @Override
        public void prefill(PrefillRequest req, StreamObserver<PrefillResponse> out) {
            if (failing(out)) return;
            prefills.incrementAndGet();
            if (prefillDelayMs > 0) {
                try { Thread.sleep(prefillDelayMs); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                if (((ServerCallStreamObserver<?>) out).isCancelled()) return;
            }
            int[] prompt = req.getPromptIdsList().stream().mapToInt(Integer::intValue).toArray();
            SamplingParams p = Protos.sampling(req.getSampling()).withPriority(0).withMaxTokens(1).withIgnoreEos(true);
            var done = new java.util.concurrent.CompletableFuture<RequestOutput>();
            var first = new java.util.concurrent.atomic.AtomicReference<RequestOutput>();
            engine.submit(req.getRequestId() + "-p" + ids.incrementAndGet(), prompt, p, o -> {
                if (o.newToken() >= 0 && first.get() == null) first.set(o);
                if (o.finished()) done.complete(o);
            });
            RequestOutput last = done.join();
            RequestOutput f = first.get();
            PrefillResponse.Builder r = PrefillResponse.newBuilder().setFirstToken(f.newToken()).setFirstText(f.textDelta())
                    .setCachedTokens(last.cachedTokens()).setKvBytes(1024).setTransferSeconds(0.001).setTransport("fake");
            if (f.logprobs() != null) r.setFirstLogprob(lp(f.logprobs()));
            out.onNext(r.build());
            out.onCompleted();
        }

        @Override
        public void stats(StatsRequest req, StreamObserver<NodeStats> out) {
            if (down) {
                out.onError(Status.UNAVAILABLE.asRuntimeException());
                return;
            }
            out.onNext(nodeStats());
            out.onCompleted();
        }
    }

    private final class Decode extends DecodeServiceGrpc.DecodeServiceImplBase {
        @Override
        public void reserve(ReserveRequest req, StreamObserver<KvTarget> out) {
            if (failing(out)) return;
            int blocks = (req.getNumTokens() + engine.blockSize() - 1) / engine.blockSize();
            synchronized (reservations) {
                if (reservedBlocks() + blocks > capacityBlocks) {
                    out.onError(Status.RESOURCE_EXHAUSTED.withDescription("no room").asRuntimeException());
                    return;
                }
                String rid = id + "-r" + ids.incrementAndGet();
                reservations.put(rid, blocks);
                KvTarget.Builder t = KvTarget.newBuilder().setNodeId(id).setReservationId(rid)
                        .addRankDescriptors(ByteString.copyFromUtf8("fake"));
                for (int i = 0; i < blocks; i++) t.addBlockIds(i);
                out.onNext(t.build());
            }
            out.onCompleted();
        }

        @Override
        public void release(ReleaseRequest req, StreamObserver<ReleaseResponse> out) {
            releases.incrementAndGet();
            boolean r = reservations.remove(req.getReservationId()) != null;
            out.onNext(ReleaseResponse.newBuilder().setReleased(r).build());
            out.onCompleted();
        }

        @Override
        public void generate(GenerateRequest req, StreamObserver<TokenChunk> out) {
            if (failing(out)) return;
            boolean remote = !req.getReservationId().isEmpty();
            if (remote && reservations.remove(req.getReservationId()) == null) {
                out.onError(Status.NOT_FOUND.withDescription("no reservation " + req.getReservationId()).asRuntimeException());
                return;
            }
            generates.incrementAndGet();
            if (!remote) localPrefills.incrementAndGet();
            running.incrementAndGet();
            int[] prompt = req.getPromptIdsList().stream().mapToInt(Integer::intValue).toArray();
            String rid = req.getRequestId() + "-d" + ids.incrementAndGet();
            ServerCallStreamObserver<TokenChunk> call = (ServerCallStreamObserver<TokenChunk>) out;
            call.setOnCancelHandler(() -> engine.abort(rid));
            AtomicInteger seen = new AtomicInteger();
            // The shared test engine serves first come, first served, whatever priority the router passed on.
            engine.submit(rid, prompt, Protos.sampling(req.getSampling()).withPriority(0), o -> {
                boolean skip = remote && seen.getAndIncrement() == 0 && o.newToken() >= 0;
                TokenChunk.Builder c = TokenChunk.newBuilder().setCompletionTokens(o.outputTokens())
                        .setPromptTokens(o.promptTokens()).setCachedTokens(o.cachedTokens());
                if (!skip) {
                    if (o.newToken() >= 0) c.addTokenIds(o.newToken());
                    c.setText(o.textDelta());
                    if (o.logprobs() != null) c.addLogprobs(lp(o.logprobs()));
                }
                if (o.finished()) {
                    c.setFinishReason(o.finish().openAi);
                    if (o.error() != null) c.setError(o.error());
                }
                if (!call.isCancelled() && (c.getTokenIdsCount() > 0 || o.finished())) {
                    synchronized (call) { call.onNext(c.build()); }
                }
                if (o.finished()) {
                    running.decrementAndGet();
                    if (!call.isCancelled() && o.finish() != FinishReason.ABORT) call.onCompleted();
                    else if (!call.isCancelled()) call.onCompleted();
                }
            });
        }

        @Override
        public void stats(StatsRequest req, StreamObserver<NodeStats> out) {
            if (down) {
                out.onError(Status.UNAVAILABLE.asRuntimeException());
                return;
            }
            out.onNext(nodeStats());
            out.onCompleted();
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    public List<String> reservationIds() { return List.copyOf(reservations.keySet()); }
}
