package ai.baton.prefill;

import ai.baton.engine.EngineException;
import ai.baton.engine.FinishReason;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.node.FirstText;
import ai.baton.node.NodeMetrics;
import ai.baton.node.Protos;
import ai.baton.node.kv.KvSender;
import ai.baton.proto.NodeStats;
import ai.baton.proto.PrefillRequest;
import ai.baton.proto.PrefillResponse;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.StatsRequest;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Prefill RPC: runs the prompt through the engine with max_tokens 1, holding its KV blocks; the layer hook streams
 * the KV into the decode node's reserved blocks while the prompt computes; once the last layer has landed the
 * blocks are released (they stay in the prefix cache) and the first token is returned. Handlers run on virtual
 * threads, so each call reads top to bottom and owns its cleanup in one finally block.
 */
final class PrefillService extends PrefillServiceGrpc.PrefillServiceImplBase {
    private static final System.Logger LOG = System.getLogger("baton.prefill");

    private final LlmEngine engine;
    private final KvSender sender;
    private final LayerPusher pusher;
    private final NodeMetrics metrics;
    private final Duration transferTimeout;

    PrefillService(LlmEngine engine, KvSender sender, LayerPusher pusher, NodeMetrics metrics, Duration transferTimeout) {
        this.engine = engine;
        this.sender = sender;
        this.pusher = pusher;
        this.metrics = metrics;
        this.transferTimeout = transferTimeout;
    }

    @Override
    public void prefill(PrefillRequest req, StreamObserver<PrefillResponse> out) {
        try {
            out.onNext(run(req));
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            metrics.failure(e.getStatus().getCode().name().toLowerCase());
            LOG.log(e.getStatus().getCode() == Status.Code.INTERNAL ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "prefill {0} failed: {1}", req.getRequestId(), e.getStatus());
            reply(out, e);
        }
    }

    private PrefillResponse run(PrefillRequest req) {
        String id = req.getRequestId();
        int[] prompt = Protos.ints(req.getPromptIdsList());
        SamplingParams params;
        try {
            if (id.isEmpty()) throw new EngineException("request_id is empty");
            if (req.getTarget().getRankDescriptorsCount() == 0) throw new EngineException("target has no KV descriptors");
            params = Protos.sampling(req.getSampling());
            engine.validatePrompt(prompt, params);
            int needed = (prompt.length + engine.blockSize() - 1) / engine.blockSize();
            if (req.getTarget().getBlockIdsCount() < needed)
                throw new EngineException("the prompt needs " + needed + " KV blocks but the target reserved " + req.getTarget().getBlockIdsCount());
        } catch (EngineException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        KvSender.Outbound transfer = open(id, req.getTarget().getRankDescriptorsList().stream().map(ByteString::toByteArray).toList());
        PrefillJob job = new PrefillJob(id, transfer, metrics);
        if (!pusher.add(job)) {
            transfer.abort("duplicate request id");
            throw Status.ALREADY_EXISTS.withDescription("request " + id + " is already prefilling here").asRuntimeException();
        }
        Context.CancellationListener onCancel = ctx -> {
            engine.abort(id);
            transfer.abort("prefill cancelled by the caller");
        };
        Context.current().addListener(onCancel, Runnable::run);
        long start = System.nanoTime();
        try {
            // Only the first token is sampled here; stop conditions are the decode node's business, but what shapes
            // the first draw (penalties, logit bias, min_tokens' masking of EOS and stop token ids) applies.
            engine.submitHolding(id, prompt, new SamplingParams(params.temperature(), params.topP(), params.topK(), params.minP(),
                    params.seed(), 1, params.stopTokenIds(), List.of(), true, params.logprobs(), params.penalties(),
                    params.logitBias(), Math.min(1, params.minTokens()), false, params.keepSpecialTokens(),
                    params.promptLogprobs(), params.guide()), job);
            RequestOutput last = job.finished.join();
            long computed = System.nanoTime();
            if (last.finish() == FinishReason.ERROR) throw Status.INTERNAL.withDescription("prefill failed: " + last.error()).asRuntimeException();
            RequestOutput first = job.firstToken();
            if (last.finish() == FinishReason.ABORT || first == null)
                throw (Context.current().isCancelled() ? Status.CANCELLED : Status.UNAVAILABLE)
                        .withDescription("prefill aborted" + (last.error() != null ? ": " + last.error() : "")).asRuntimeException();
            long bytes = awaitTransfer(job, computed);
            long landed = System.nanoTime();
            metrics.prefill((computed - start) / 1e9);
            long pushed = job.firstPushNanos() == 0 ? computed : job.firstPushNanos(); // 0: nothing pushed (no legs)
            metrics.kvTransfer(transfer.transport(), (landed - pushed) / 1e9, bytes);
            PrefillResponse.Builder r = PrefillResponse.newBuilder().setFirstToken(first.newToken())
                    .setFirstText(FirstText.of(engine.tokenizer(), engine.eosTokenIds(), first.newToken(), params))
                    .setCachedTokens(last.cachedTokens()).setPrefillSeconds((computed - start) / 1e9)
                    .setTransferSeconds((landed - computed) / 1e9).setKvBytes(bytes).setTransport(transfer.transport());
            if (first.logprobs() != null) r.setFirstLogprob(Protos.logprob(first.logprobs()));
            if (first.promptLogprobs() != null) r.addAllPromptLogprobs(Protos.promptLogprobs(first.promptLogprobs()));
            return r.build();
        } catch (EngineException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        } finally {
            Context.current().removeListener(onCancel);
            pusher.remove(job);
            if (!job.finished.isDone()) {
                // Only reachable when submission itself failed or this thread was interrupted: make sure the
                // engine lets go before the blocks are returned.
                engine.abort(id);
            }
            transfer.abort("prefill ended");
            engine.releaseHeld(id);
        }
    }

    private KvSender.Outbound open(String id, List<byte[]> targets) {
        try {
            return sender.open(id, targets);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription("bad KV target: " + e.getMessage()).asRuntimeException();
        } catch (RuntimeException e) {
            throw Status.UNAVAILABLE.withDescription("cannot reach the decode node's KV receiver: " + e.getMessage()).asRuntimeException();
        }
    }

    /** Waits until the decode node confirmed every layer; returns the bytes moved. */
    private long awaitTransfer(PrefillJob job, long computedNanos) {
        long left = transferTimeout.toNanos() - (System.nanoTime() - computedNanos);
        try {
            return job.transfer.done().get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            job.transfer.abort("timed out");
            throw Status.DEADLINE_EXCEEDED.withDescription("KV transfer did not finish within " + transferTimeout.toMillis() + " ms").asRuntimeException();
        } catch (ExecutionException e) {
            String why = e.getCause() == null ? String.valueOf(e) : e.getCause().getMessage();
            throw (Context.current().isCancelled() ? Status.CANCELLED : Status.UNAVAILABLE)
                    .withDescription("KV transfer to the decode node failed: " + why).asRuntimeException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    @Override
    public void stats(StatsRequest req, StreamObserver<NodeStats> out) {
        out.onNext(Protos.stats(engine.stats(), 0, 0, 0));
        out.onCompleted();
    }

    private static void reply(StreamObserver<?> out, StatusRuntimeException e) {
        try {
            out.onError(e);
        } catch (RuntimeException ignored) {
            LOG.log(System.Logger.Level.DEBUG, "could not report {0}: call gone", e.getStatus());
        }
    }
}
