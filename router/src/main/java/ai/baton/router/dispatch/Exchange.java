package ai.baton.router.dispatch;

import ai.baton.proto.GenerateRequest;
import ai.baton.proto.KvTarget;
import ai.baton.proto.PrefillRequest;
import ai.baton.proto.PrefillResponse;
import ai.baton.proto.ReleaseRequest;
import ai.baton.proto.ReleaseResponse;
import ai.baton.proto.ReserveRequest;
import ai.baton.proto.Role;
import ai.baton.proto.TokenChunk;
import ai.baton.proto.TokenLogprob;
import ai.baton.router.api.ApiException;
import ai.baton.router.registry.NodeHandle;
import ai.baton.router.routing.RoutePlan;
import ai.baton.router.routing.RoutePlanner;
import ai.baton.router.routing.RouteReason;
import com.google.protobuf.MessageLite;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One request's journey: plan → Reserve (decode) → Prefill (prefill node, pushes KV into the reservation) → first
 * token to the client at once → Generate (decode) streams the rest. A short uncached prompt skips the first two and
 * the decode node prefills it. A failed prefill releases the reservation and is retried on another prefill node,
 * finally on the decode node itself; a decode node without room makes the request wait (bounded) at the router.
 * {@link #cancel} (client gone) cancels the live gRPC call and releases a reservation not yet handed to Generate.
 * <p>
 * All state changes happen under the exchange's lock; calls out (gRPC, sink) happen outside it.
 */
public final class Exchange {
    private static final Logger LOG = Logger.getLogger(Exchange.class.getName());

    private final Dispatcher d;
    private final GenRequest req;
    private final TokenSink sink;
    private final Set<String> failedPrefill = new HashSet<>();
    private final Set<String> failedDecode = new HashSet<>();
    private final Set<String> fullDecode = new HashSet<>();
    private int prefillFailures;
    private int decodeFailures;
    private boolean forceLocal;
    private long waitDeadlineNanos;
    private long backoffMs = 10;
    private boolean waitingCounted;
    private boolean dispatched;             // the router queue time was recorded (see leaveQueueForNode)

    private boolean cancelled;
    private boolean done;
    private ClientCallStreamObserver<?> activeCall;
    private KvTarget heldReservation;      // reserved and not yet handed to Generate
    private NodeHandle heldReservationNode;
    private NodeHandle decodeAccounted;
    private int decodeBlocks;
    private NodeHandle prefillAccounted;

    // Output bookkeeping.
    private int positions;                  // completion tokens delivered to the sink
    private PrefillResponse heldFirst;      // first token kept back while stop strings may still trim it
    private boolean remote;
    private int cachedTokens;
    private String finishReason;
    private int completionTokens;
    private boolean anyOutput;
    private boolean promptLogprobsSent;

    Exchange(Dispatcher d, GenRequest req, TokenSink sink) {
        this.d = d;
        this.req = req;
        this.sink = sink;
    }

    public String id() { return req.id(); }

    void start() {
        d.running.incrementAndGet();
        d.metrics.running(1);
        attempt();
    }

    /** The client went away: stop the work and give back what the request holds. Safe to call more than once. */
    public void cancel() {
        ClientCallStreamObserver<?> call;
        synchronized (this) {
            if (done || cancelled) return;
            cancelled = true;
            call = activeCall;
        }
        if (call != null) call.cancel("client disconnected", null);
        finishQuietly();
    }

    // ---------------------------------------------------------------- planning

    private void attempt() {
        RoutePlan plan = null;
        ApiException failure = null;
        boolean wait = false, again = false;
        synchronized (this) {
            if (cancelled || done) return;
            wait = d.priorityWaiters.anyAhead(req.sampling().getPriority());  // more urgent requests get room first
            if (!wait) {
                Set<String> excludedDecode = new HashSet<>(failedDecode);
                excludedDecode.addAll(fullDecode);
                try {
                    plan = d.planner.plan(req.prompt(), req.maxTokens(), failedPrefill, excludedDecode, forceLocal);
                } catch (RoutePlanner.NoNodeException e) {
                    if (e.role == Role.DECODE && !fullDecode.isEmpty()) {
                        wait = true;                 // the remaining decode nodes are full: wait for room
                    } else if (e.role == Role.PREFILL && !forceLocal
                            && (!failedPrefill.isEmpty() || d.registry.count(Role.PREFILL) > 0)) {
                        // Prefill nodes exist but none can take it now (failed, or marked down): the decode node prefills.
                        forceLocal = true;
                        again = true;
                    } else {
                        failure = ApiException.overloaded(e.getMessage() + "; retry shortly.");
                    }
                }
            }
            if (plan != null) {
                decodeBlocks = plan.decode().blocksFor(req.prompt().length + req.maxTokens());
                plan.decode().acquire(decodeBlocks);
                decodeAccounted = plan.decode();
                remote = !plan.local();
            }
        }
        if (failure != null) {
            fail(failure);
        } else if (wait) {
            waitForRoom();
        } else if (again) {
            attempt();
        } else {
            d.metrics.route(plan.reason());
            if (plan.local()) generate(plan.decode(), null);
            else reserve(plan);
        }
    }

    /** A retry from the timer thread: an exception there would vanish, so it fails the request instead. */
    private void attemptSafely() {
        try {
            attempt();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "dispatch of " + req.id() + " failed", e);
            fail(ApiException.internal("Dispatch failed: " + e));
        }
    }

    /** All decode nodes are full: back off and try again, within the queue's size and time limits. */
    private void waitForRoom() {
        ApiException failure = null;
        long delay;
        synchronized (this) {
            if (cancelled || done) return;
            long now = System.nanoTime();
            if (waitDeadlineNanos == 0) waitDeadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(d.config.queueTimeoutMs());
            if (!waitingCounted) {
                if (d.waiting.get() >= d.config.maxWaiting()) {
                    failure = ApiException.overloaded("The server is overloaded (KV cache full, " + d.waiting.get() + " requests waiting); retry shortly.");
                } else {
                    waitingCounted = true;
                    d.priorityWaiters.enter(req.sampling().getPriority());
                    d.waiting.incrementAndGet();
                    d.metrics.waiting(1);
                }
            }
            if (failure == null && now > waitDeadlineNanos) {
                failure = ApiException.overloaded("Timed out waiting for KV cache room; retry shortly.");
            }
            fullDecode.clear();
            backoffMs = Math.min(200, backoffMs * 2);
            delay = backoffMs;
        }
        if (failure != null) fail(failure);
        else d.timers.schedule(this::attemptSafely, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * The request leaves the router's queue for a node (a decode reservation granted, or a local generate): its
     * queue time is observed once, here, so waits after a refused reservation are counted too. Hold the lock.
     */
    private void leaveQueueForNode() {
        leaveWaiting();
        if (!dispatched) {
            dispatched = true;
            d.metrics.routerQueue((System.nanoTime() - req.arrivalNanos()) / 1e9);
        }
    }

    private void leaveWaiting() {
        if (waitingCounted) {
            waitingCounted = false;
            d.priorityWaiters.leave(req.sampling().getPriority());
            d.waiting.decrementAndGet();
            d.metrics.waiting(-1);
        }
    }

    // ---------------------------------------------------------------- reserve

    private void reserve(RoutePlan plan) {
        NodeHandle decode = plan.decode();
        ReserveRequest r = ReserveRequest.newBuilder().setRequestId(req.id())
                .setNumTokens(req.prompt().length + req.maxTokens()).setPromptTokens(req.prompt().length).build();
        StreamObserver<KvTarget> obs = observer(target -> onReserved(plan, target), e -> onReserveFailed(plan, e));
        decode.decode().withDeadlineAfter(d.config.reserveTimeoutMs(), TimeUnit.MILLISECONDS).reserve(r, obs);
    }

    private void onReserved(RoutePlan plan, KvTarget target) {
        synchronized (this) {
            if (!cancelled && !done) {
                leaveQueueForNode();
                heldReservation = target;
                heldReservationNode = plan.decode();
                prefillAccounted = plan.prefill();
                plan.prefill().acquire(0);
            } else {
                release(plan.decode(), target);
                return;
            }
        }
        prefill(plan, target);
    }

    private void onReserveFailed(RoutePlan plan, Throwable e) {
        Status s = Status.fromThrowable(e);
        boolean giveUp = false;
        synchronized (this) {
            releaseDecodeAccounting();
            if (cancelled || done) return;
            if (s.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                fullDecode.add(plan.decode().id());
            } else {
                noteDecodeFailure(plan.decode(), s);
                if (++decodeFailures >= d.config.maxDecodeAttempts()) {
                    giveUp = true;
                }
            }
        }
        if (giveUp) fail(ApiException.upstream("Decode nodes failed to reserve KV blocks: " + describe(s)));
        else attempt();
    }

    // ---------------------------------------------------------------- prefill

    private void prefill(RoutePlan plan, KvTarget target) {
        PrefillRequest r = PrefillRequest.newBuilder().setRequestId(req.id()).addAllPromptIds(ids(req.prompt()))
                .setSampling(req.sampling()).setTarget(target).build();
        StreamObserver<PrefillResponse> obs = observer(resp -> onPrefilled(plan, resp), e -> onPrefillFailed(plan, e));
        plan.prefill().prefill().withDeadlineAfter(d.config.prefillTimeoutMs(), TimeUnit.MILLISECONDS).prefill(r, obs);
    }

    /**
     * The prompt logprobs to hand the sink, once per request and only if it asked (a one-token prompt has none, yet the
     * sink still hears of them before its first token); null otherwise. Called holding this exchange's lock.
     */
    private List<TokenLogprob> takePromptLogprobs(List<TokenLogprob> fromNode) {
        if (promptLogprobsSent || !req.sampling().hasPromptLogprobs()) return null;
        promptLogprobsSent = true;
        return fromNode;
    }

    private void onPrefilled(RoutePlan plan, PrefillResponse resp) {
        boolean emitNow;
        List<TokenLogprob> promptLps;
        synchronized (this) {
            releasePrefillAccounting();
            if (cancelled || done) {
                releaseHeldReservation();
                return;
            }
            d.metrics.kvTransfer(resp.getTransferSeconds(), resp.getKvBytes(), resp.getPrefillSeconds());
            cachedTokens = resp.getCachedTokens();
            promptLps = takePromptLogprobs(resp.getPromptLogprobsList());
            // With stop strings the decode node may still trim the first token's text: keep it until it speaks.
            emitNow = req.sampling().getStopCount() == 0;
            if (emitNow) positions = 1;
            else heldFirst = resp;
            anyOutput = true;
        }
        if (promptLps != null) sink.onPromptLogprobs(promptLps);
        if (emitNow) sink.onTokens(List.of(resp.getFirstToken()), resp.getFirstText(),
                resp.hasFirstLogprob() ? List.of(resp.getFirstLogprob()) : List.of());
        generate(plan.decode(), resp);
    }

    private void onPrefillFailed(RoutePlan plan, Throwable e) {
        Status s = Status.fromThrowable(e);
        synchronized (this) {
            releasePrefillAccounting();
            releaseHeldReservation();
            releaseDecodeAccounting();
            if (cancelled || done) return;
            if (s.getCode() != Status.Code.INVALID_ARGUMENT) {
                LOG.log(Level.WARNING, "prefill of " + req.id() + " failed on " + plan.prefill() + ": " + describe(s));
                // A node that cannot be reached leaves routing until a health check re-admits it; one that answered
                // with an error (e.g. its KV push to the decode node failed) stays: only this request moves on.
                if (unreachable(s)) plan.prefill().markDown();
                failedPrefill.add(plan.prefill().id());
                if (++prefillFailures > d.config.maxPrefillRetries()) forceLocal = true;
            }
        }
        if (s.getCode() == Status.Code.INVALID_ARGUMENT) {
            fail(ApiException.badRequest(s.getDescription() == null ? "invalid request" : s.getDescription(), null));
            return;
        }
        d.metrics.route(RouteReason.RETRY);
        attempt();
    }

    // ---------------------------------------------------------------- generate

    private void generate(NodeHandle decode, PrefillResponse first) {
        GenerateRequest.Builder g = GenerateRequest.newBuilder().setRequestId(req.id()).addAllPromptIds(ids(req.prompt()))
                .setSampling(req.sampling());
        synchronized (this) {
            leaveQueueForNode();
            if (first != null) {
                g.setReservationId(heldReservation.getReservationId()).setFirstToken(first.getFirstToken());
                if (first.hasFirstLogprob()) g.setFirstLogprob(first.getFirstLogprob());
                // From here the decode node owns the reservation: Generate consumes it, or frees it when cancelled.
                heldReservation = null;
                heldReservationNode = null;
            }
        }
        StreamObserver<TokenChunk> obs = streamObserver(decode, first != null);
        decode.decode().generate(g.build(), obs);
    }

    private StreamObserver<TokenChunk> streamObserver(NodeHandle decode, boolean afterRemotePrefill) {
        return new ClientResponseObserver<GenerateRequest, TokenChunk>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<GenerateRequest> call) { track(call); }

            @Override
            public void onNext(TokenChunk c) { onChunk(c); }

            @Override
            public void onError(Throwable t) { onGenerateFailed(decode, t, afterRemotePrefill); }

            @Override
            public void onCompleted() { onGenerateDone(); }
        };
    }

    private void onChunk(TokenChunk c) {
        PrefillResponse first = null;
        List<Integer> ids;
        List<TokenLogprob> lps, promptLps = null;
        String text;
        synchronized (this) {
            if (cancelled || done) return;
            // A local prefill's first chunk carries them (a remote prefill's response did, before any chunk).
            if (c.getTokenIdsCount() > 0 || c.getPromptLogprobsCount() > 0) promptLps = takePromptLogprobs(c.getPromptLogprobsList());
            if (!c.getFinishReason().isEmpty()) {
                finishReason = c.getFinishReason();
                completionTokens = c.getCompletionTokens();
                if (!remote || c.getCachedTokens() > cachedTokens) cachedTokens = Math.max(cachedTokens, c.getCachedTokens());
            }
            ids = c.getTokenIdsList();
            lps = c.getLogprobsList();
            text = c.getText();
            int k = ids.size();
            // Position of this chunk's first token in the completion: from the node's running count when it gives one.
            int start = c.getCompletionTokens() > 0 ? c.getCompletionTokens() - k : positions + (heldFirst != null ? 1 : 0);
            if (heldFirst != null) {
                if (start > 0) first = heldFirst;   // the decode node does not repeat the first token: send ours
                heldFirst = null;
                if (first != null) positions = 1;
            }
            int skip = Math.max(0, Math.min(k, positions - start));
            if (skip > 0) {
                ids = ids.subList(skip, k);
                lps = lps.size() >= skip ? lps.subList(skip, lps.size()) : List.of();
                text = skip == k ? "" : text;
            }
            positions += ids.size();
            if (!ids.isEmpty() || !text.isEmpty()) anyOutput = true;
        }
        if (promptLps != null) sink.onPromptLogprobs(promptLps);
        if (first != null) sink.onTokens(List.of(first.getFirstToken()), first.getFirstText(),
                first.hasFirstLogprob() ? List.of(first.getFirstLogprob()) : List.of());
        if (!c.getError().isEmpty() && "error".equals(c.getFinishReason())) {
            synchronized (this) { finishReason = null; }
            failUpstream("The decode node failed: " + c.getError());
            return;
        }
        if (!ids.isEmpty() || !text.isEmpty()) sink.onTokens(ids, text, lps);
    }

    private void onGenerateFailed(NodeHandle decode, Throwable t, boolean afterRemotePrefill) {
        Status s = Status.fromThrowable(t);
        boolean retry = false, badInput = false;
        synchronized (this) {
            activeCall = null;
            releaseDecodeAccounting();
            if (cancelled || done) return;
            if (s.getCode() == Status.Code.INVALID_ARGUMENT && !anyOutput) {
                badInput = true;
            } else if (s.getCode() == Status.Code.RESOURCE_EXHAUSTED && !anyOutput) {
                fullDecode.add(decode.id());
                retry = true;
            } else {
                noteDecodeFailure(decode, s);
                // Before any token reached the client the request can start over elsewhere; after, it cannot.
                retry = !anyOutput && ++decodeFailures < d.config.maxDecodeAttempts();
            }
        }
        if (badInput) {
            fail(ApiException.badRequest(s.getDescription() == null ? "invalid request" : s.getDescription(), null));
            return;
        }
        LOG.log(Level.WARNING, "generate of " + req.id() + " failed on " + decode + ": " + describe(s));
        if (retry) attempt();
        else failUpstream("The decode node failed: " + describe(s));
    }

    private void onGenerateDone() {
        PrefillResponse first;
        synchronized (this) {
            activeCall = null;
            if (cancelled || done) return;
            first = heldFirst;
            heldFirst = null;
            if (first != null) positions = 1;
        }
        if (first != null) sink.onTokens(List.of(first.getFirstToken()), first.getFirstText(),
                first.hasFirstLogprob() ? List.of(first.getFirstLogprob()) : List.of());
        String reason;
        int completion;
        synchronized (this) {
            if (cancelled || done) return;
            done = true;
            releaseDecodeAccounting();
            reason = finishReason == null ? "abort" : finishReason;
            completion = Math.max(completionTokens, positions);
        }
        finishCounters();
        d.metrics.finished(reason, req.prompt().length, completion, cachedTokens);
        sink.onFinish(reason, req.prompt().length, completion, cachedTokens);
    }

    // ---------------------------------------------------------------- endings and bookkeeping

    private void fail(ApiException e) {
        synchronized (this) {
            if (done) return;
            done = true;
            releaseDecodeAccounting();
            releasePrefillAccounting();
            releaseHeldReservation();
            leaveWaiting();
        }
        finishCounters();
        sink.onError(e);
    }

    private void failUpstream(String message) {
        fail(ApiException.upstream(message));
    }

    /** Ends a cancelled exchange without telling the sink. */
    private void finishQuietly() {
        synchronized (this) {
            if (done) return;
            done = true;
            releaseDecodeAccounting();
            releasePrefillAccounting();
            releaseHeldReservation();
            leaveWaiting();
        }
        finishCounters();
    }

    private void finishCounters() {
        d.running.decrementAndGet();
        d.metrics.running(-1);
    }

    private void releaseDecodeAccounting() {
        if (decodeAccounted != null) {
            decodeAccounted.release(decodeBlocks);
            decodeAccounted = null;
        }
    }

    private void releasePrefillAccounting() {
        if (prefillAccounted != null) {
            prefillAccounted.release(0);
            prefillAccounted = null;
        }
    }

    /** Returns a reservation that was never handed to Generate. Caller holds the lock; the RPC is async. */
    private void releaseHeldReservation() {
        if (heldReservation != null) {
            release(heldReservationNode, heldReservation);
            heldReservation = null;
            heldReservationNode = null;
        }
    }

    private void release(NodeHandle decode, KvTarget target) {
        if (target.getReservationId().isEmpty()) return;
        try {
            decode.decode().withDeadlineAfter(d.config.reserveTimeoutMs(), TimeUnit.MILLISECONDS)
                    .release(ReleaseRequest.newBuilder().setReservationId(target.getReservationId()).build(),
                            new StreamObserver<ReleaseResponse>() {
                                @Override public void onNext(ReleaseResponse r) {}
                                @Override public void onError(Throwable e) { LOG.fine(() -> "release failed: " + e); }
                                @Override public void onCompleted() {}
                            });
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "release failed", e);
        }
    }

    private void noteDecodeFailure(NodeHandle decode, Status s) {
        if (unreachable(s)) decode.markDown();
        failedDecode.add(decode.id());
    }

    /** UNAVAILABLE raised by the transport (no connection), as opposed to one a node sent on purpose. */
    static boolean unreachable(Status s) {
        if (s.getCode() != Status.Code.UNAVAILABLE) return false;
        String d = s.getDescription();
        return s.getCause() != null || d == null || d.startsWith("io exception") || d.contains("Connection refused")
                || d.startsWith("Network closed") || d.contains("Channel shutdown") || d.startsWith("Could not find server");
    }

    private static String describe(Status s) {
        return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    }

    private static Iterable<Integer> ids(int[] prompt) {
        return java.util.Arrays.stream(prompt).boxed().toList();
    }

    /** Records the call about to start, so that {@link #cancel} reaches it; cancels it at once if that came first. */
    private void track(ClientCallStreamObserver<?> call) {
        boolean cancelNow;
        synchronized (this) {
            activeCall = call;
            cancelNow = cancelled;
        }
        if (cancelNow) call.cancel("client disconnected", null);
    }

    /** A unary observer that records its call (so {@link #cancel} reaches it) and forwards the outcome. */
    private <R extends MessageLite, T> StreamObserver<T> observer(Consumer<T> ok, Consumer<Throwable> err) {
        return new ClientResponseObserver<R, T>() {
            private T value;

            @Override
            public void beforeStart(ClientCallStreamObserver<R> call) { track(call); }

            @Override
            public void onNext(T v) { value = v; }

            @Override
            public void onError(Throwable t) {
                clearCall();
                err.accept(t);
            }

            @Override
            public void onCompleted() {
                clearCall();
                if (value == null) err.accept(Status.INTERNAL.withDescription("empty response").asRuntimeException());
                else ok.accept(value);
            }
        };
    }

    private synchronized void clearCall() { activeCall = null; }
}
