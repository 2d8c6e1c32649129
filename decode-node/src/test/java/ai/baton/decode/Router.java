package ai.baton.decode;

import ai.baton.proto.DecodeServiceGrpc;
import ai.baton.proto.GenerateRequest;
import ai.baton.proto.KvTarget;
import ai.baton.proto.PrefillRequest;
import ai.baton.proto.PrefillResponse;
import ai.baton.proto.PrefillServiceGrpc;
import ai.baton.proto.ReserveRequest;
import ai.baton.proto.Sampling;
import ai.baton.proto.TokenChunk;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the router does with the nodes, as a test client: Reserve → Prefill → Generate, or Generate alone. */
final class Router implements AutoCloseable {
    private final List<ManagedChannel> channels = new ArrayList<>();

    record Result(int[] tokens, String text, String finish, int completionTokens, PrefillResponse prefill) {}

    ManagedChannel channel(int port) {
        ManagedChannel c = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(c);
        return c;
    }

    static Sampling greedy(int maxTokens) {
        return Sampling.newBuilder().setTemperature(0).setTopP(1).setMaxTokens(maxTokens).setIgnoreEos(true).setLogprobs(-1).build();
    }

    static ReserveRequest reserve(String id, int[] prompt, int maxTokens) {
        return ReserveRequest.newBuilder().setRequestId(id).setNumTokens(prompt.length + maxTokens).setPromptTokens(prompt.length).build();
    }

    static PrefillRequest prefill(String id, int[] prompt, Sampling s, KvTarget t) {
        PrefillRequest.Builder b = PrefillRequest.newBuilder().setRequestId(id).setSampling(s).setTarget(t);
        for (int p : prompt) b.addPromptIds(p);
        return b.build();
    }

    static GenerateRequest generate(String id, int[] prompt, Sampling s, String reservation, int firstToken) {
        GenerateRequest.Builder b = GenerateRequest.newBuilder().setRequestId(id).setSampling(s).setReservationId(reservation).setFirstToken(firstToken);
        for (int p : prompt) b.addPromptIds(p);
        return b.build();
    }

    /** Disaggregated: the decode node reserves, the prefill node pushes the KV and samples the first token. */
    Result disaggregated(ManagedChannel prefillNode, ManagedChannel decodeNode, String id, int[] prompt, Sampling s) {
        var decode = DecodeServiceGrpc.newBlockingStub(decodeNode).withDeadlineAfter(60, TimeUnit.SECONDS);
        KvTarget target = decode.reserve(reserve(id, prompt, s.getMaxTokens()));
        PrefillResponse p = PrefillServiceGrpc.newBlockingStub(prefillNode).withDeadlineAfter(60, TimeUnit.SECONDS)
                .prefill(prefill(id, prompt, s, target));
        return collect(p, decode.generate(generate(id, prompt, s, target.getReservationId(), p.getFirstToken())));
    }

    /** Collocated on the decode node (conditional disaggregation's short-prompt path). */
    Result local(ManagedChannel decodeNode, String id, int[] prompt, Sampling s) {
        var decode = DecodeServiceGrpc.newBlockingStub(decodeNode).withDeadlineAfter(60, TimeUnit.SECONDS);
        return collect(null, decode.generate(generate(id, prompt, s, "", 0)));
    }

    private static Result collect(PrefillResponse p, Iterator<TokenChunk> chunks) {
        List<Integer> tokens = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        if (p != null) {
            tokens.add(p.getFirstToken());
            text.append(p.getFirstText());
        }
        String finish = "";
        int completion = 0;
        while (chunks.hasNext()) {
            TokenChunk c = chunks.next();
            tokens.addAll(c.getTokenIdsList());
            text.append(c.getText());
            completion = c.getCompletionTokens();
            if (!c.getFinishReason().isEmpty()) finish = c.getFinishReason() + (c.getError().isEmpty() ? "" : ": " + c.getError());
        }
        return new Result(tokens.stream().mapToInt(Integer::intValue).toArray(), text.toString(), finish, completion, p);
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) c.shutdownNow();
    }
}
