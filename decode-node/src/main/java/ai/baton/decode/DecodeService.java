package ai.baton.decode;

import ai.baton.engine.EngineException;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.node.FirstText;
import ai.baton.node.NodeMetrics;
import ai.baton.node.Protos;
import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.GenerateRequest;
import ai.baton.proto.KvTarget;
import ai.baton.proto.NodeStats;
import ai.baton.proto.ReleaseRequest;
import ai.baton.proto.ReleaseResponse;
import ai.baton.proto.ReserveRequest;
import ai.baton.proto.StatsRequest;
import ai.baton.proto.TokenChunk;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Decode RPCs. Reserve holds blocks for a remote prefill and describes them; Generate waits for that KV (or, with
 * no reservation, prefills locally), hands the request to the engine's running batch and streams its tokens;
 * cancelling the call aborts the request. Handlers run on virtual threads, so waiting for the KV is a plain get().
 */
final class DecodeService extends DecodeServiceGrpc.DecodeServiceImplBase {
    private final String nodeId;
    private final LlmEngine engine;
    private final Reservations reservations;
    private final NodeMetrics metrics;
    private final Supplier<NodeStats> stats;
    private final Set<TokenStream> streams = ConcurrentHashMap.newKeySet();

    DecodeService(String nodeId, LlmEngine engine, Reservations reservations, NodeMetrics metrics, Supplier<NodeStats> stats) {
        this.nodeId = nodeId;
        this.engine = engine;
        this.reservations = reservations;
        this.metrics = metrics;
        this.stats = stats;
    }

    @Override
    public void reserve(ReserveRequest req, StreamObserver<KvTarget> out) {
        try {
            if (req.getNumTokens() < 1) throw Status.INVALID_ARGUMENT.withDescription("num_tokens must be >= 1").asRuntimeException();
            if (req.getPromptTokens() >= engine.maxModelLen())
                throw Status.INVALID_ARGUMENT.withDescription("a prompt of " + req.getPromptTokens() + " tokens does not fit the context of "
                        + engine.maxModelLen()).asRuntimeException();
            // Generation stops at the context length, so no request ever needs more.
            Reservation r = reservations.reserve(req.getRequestId(), Math.min(req.getNumTokens(), engine.maxModelLen()));
            KvTarget.Builder t = KvTarget.newBuilder().setNodeId(nodeId).setLayout(Protos.kvLayout(engine))
                    .setReservationId(r.id).setLeaseDeadlineUnixMs(r.deadlineUnixMs);
            for (byte[] d : r.inbound.rankDescriptors()) t.addRankDescriptors(ByteString.copyFrom(d));
            for (int b : r.blocks) t.addBlockIds(b);
            out.onNext(t.build());
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            metrics.failure("reserve_" + e.getStatus().getCode().name().toLowerCase());
            out.onError(e);
        }
    }

    @Override
    public void release(ReleaseRequest req, StreamObserver<ReleaseResponse> out) {
        boolean released = reservations.release(req.getReservationId(), "released by the router");
        out.onNext(ReleaseResponse.newBuilder().setReleased(released).build());
        out.onCompleted();
    }

    @Override
    public void generate(GenerateRequest req, StreamObserver<TokenChunk> observer) {
        ServerCallStreamObserver<TokenChunk> call = (ServerCallStreamObserver<TokenChunk>) observer;
        String id = req.getRequestId();
        int[] prompt = Protos.ints(req.getPromptIdsList());
        SamplingParams params;
        try {
            params = Protos.sampling(req.getSampling());
            if (id.isEmpty()) throw new EngineException("request_id is empty");
            engine.validatePrompt(prompt, params);
        } catch (EngineException e) {
            if (!req.getReservationId().isEmpty()) reservations.release(req.getReservationId(), "invalid generate request");
            metrics.failure("invalid_argument");
            call.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (req.getReservationId().isEmpty()) generateLocally(id, prompt, params, call);
        else generateAfterRemotePrefill(req, prompt, params, call);
    }

    /** Conditional disaggregation: a short uncached prompt is prefilled right here. */
    private void generateLocally(String id, int[] prompt, SamplingParams params, ServerCallStreamObserver<TokenChunk> call) {
        TokenStream stream = track(call, null);
        onCancel(call, () -> engine.abort(id));
        engine.submit(id, prompt, params, stream);
    }

    private void generateAfterRemotePrefill(GenerateRequest req, int[] prompt, SamplingParams params,
                                            ServerCallStreamObserver<TokenChunk> call) {
        String id = req.getRequestId();
        Reservation r;
        try {
            r = reservations.claim(req.getReservationId());
            int first = req.getFirstToken();
            if (first < 0 || first >= engine.modelConfig().vocabSize()) {
                reservations.release(r, "bad first token");
                throw Status.INVALID_ARGUMENT.withDescription("first_token " + first + " is outside the vocabulary").asRuntimeException();
            }
            if (prompt.length > r.blocks.length * engine.blockSize()) {
                reservations.release(r, "prompt larger than the reservation");
                throw Status.INVALID_ARGUMENT.withDescription("the prompt has " + prompt.length + " tokens but reservation "
                        + r.id + " holds " + r.blocks.length * engine.blockSize()).asRuntimeException();
            }
        } catch (StatusRuntimeException e) {
            metrics.failure("generate_" + e.getStatus().getCode().name().toLowerCase());
            call.onError(e);
            return;
        }
        TokenStream stream = track(call, FirstText.of(engine.tokenizer(), engine.eosTokenIds(), req.getFirstToken(), params));
        onCancel(call, () -> {
            // Before admission the reservation is ours to drop; after it, the engine's request is.
            if (!reservations.release(r, "generate cancelled")) engine.abort(id);
        });
        try {
            r.arrival.get();
        } catch (ExecutionException e) {
            String why = e.getCause() == null ? String.valueOf(e) : e.getCause().getMessage();
            boolean expired = why.contains("lease expired"); // ours, or kv-transfer's (no progress)
            metrics.failure(expired ? "lease_expired" : "kv_not_arrived");
            stream.fail((expired ? Status.DEADLINE_EXCEEDED : Status.UNAVAILABLE)
                    .withDescription("the KV of reservation " + r.id + " did not arrive: " + why).asRuntimeException());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reservations.release(r, "interrupted");
            stream.fail(Status.CANCELLED.withDescription("interrupted").asRuntimeException());
            return;
        }
        if (!reservations.admit(r)) {
            stream.fail(Status.UNAVAILABLE.withDescription("reservation " + r.id + " was released").asRuntimeException());
            return;
        }
        stream.kvLanded(r.landedNanos);
        try {
            engine.admitPrefilled(id, prompt, req.getFirstToken(), params, r.blocks, stream);
        } catch (RuntimeException e) {
            engine.releaseBlocks(r.blocks); // never adopted
            stream.fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (call.isCancelled()) engine.abort(id); // cancelled between admission and now
    }

    /**
     * Runs {@code action} when the client cancels. The call's own cancel handler runs on the call's serialized
     * executor, i.e. only after this handler returns; the context is cancelled at once, which is what a handler
     * blocked waiting for the KV needs.
     */
    private static void onCancel(ServerCallStreamObserver<TokenChunk> call, Runnable action) {
        call.setOnCancelHandler(() -> { }); // later onNext calls are then dropped quietly instead of throwing
        Context.current().addListener(ctx -> action.run(), Runnable::run);
    }

    private TokenStream track(ServerCallStreamObserver<TokenChunk> call, String firstText) {
        TokenStream s = new TokenStream(call, firstText, metrics, streams::remove);
        streams.add(s);
        return s;
    }

    /** Generate calls still streaming. */
    int activeStreams() { return streams.size(); }

    @Override
    public void stats(StatsRequest req, StreamObserver<NodeStats> out) {
        out.onNext(stats.get());
        out.onCompleted();
    }
}
