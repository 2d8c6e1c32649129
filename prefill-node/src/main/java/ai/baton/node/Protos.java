package ai.baton.node;

import ai.baton.engine.EngineException;
import ai.baton.engine.EngineStats;
import ai.baton.engine.guide.GuideException;
import ai.baton.engine.guide.GuideSpec;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.sampling.Penalties;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.proto.Guide;
import ai.baton.proto.KvLayout;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.Role;
import ai.baton.proto.Sampling;
import ai.baton.proto.TokenLogprob;

import java.util.ArrayList;
import java.util.List;

/** Conversions between the engine's types and the gRPC messages. */
public final class Protos {
    private Protos() {}

    /** Proto3 defaults (0) mean "off" where the engine uses another neutral value. */
    public static SamplingParams sampling(Sampling s) {
        double topP = s.getTopP() <= 0 ? 1 : s.getTopP();
        int topK = Math.max(0, s.getTopK());
        Long seed = s.hasSeed() ? s.getSeed() : null;
        return new SamplingParams(s.getTemperature(), topP, topK, s.getMinP(), seed, s.getMaxTokens(),
                s.getStopTokenIdsList(), s.getStopList(), s.getIgnoreEos(), s.getLogprobs(), penalties(s), s.getLogitBiasMap(),
                s.getMinTokens(), s.getIncludeStopStrInOutput(), s.getKeepSpecialTokens(),
                s.hasPromptLogprobs() ? s.getPromptLogprobs() : -1, s.hasGuide() ? guide(s.getGuide()) : null, s.getPriority());
    }

    /** A guide message as the engine's spec; an unknown kind is bad input. */
    public static GuideSpec guide(Guide g) {
        try {
            return switch (g.getKind()) {
                case JSON_OBJECT -> GuideSpec.jsonObject();
                case JSON_SCHEMA -> GuideSpec.jsonSchema(g.getJsonSchema());
                case CHOICE -> GuideSpec.choice(g.getChoicesList());
                case REGEX -> GuideSpec.regex(g.getRegex());
                default -> throw new EngineException("unknown guide kind " + g.getKindValue());
            };
        } catch (GuideException e) {
            throw new EngineException(e.getMessage());
        }
    }

    public static Penalties penalties(Sampling s) {
        return new Penalties(s.getPresencePenalty(), s.getFrequencyPenalty(), s.getRepetitionPenalty() == 0 ? 1 : s.getRepetitionPenalty());
    }

    public static TokenLogprob logprob(TokenLogprobs lp) {
        TokenLogprob.Builder b = TokenLogprob.newBuilder().setToken(lp.token()).setLogprob(lp.logprob()).setRank(lp.rank());
        for (int id : lp.topIds()) b.addTopIds(id);
        for (float f : lp.topLogprobs()) b.addTopLogprobs(f);
        return b.build();
    }

    /** An engine's prompt logprobs (entry 0 null) as the messages carry them: prompt tokens 1 .. n-1. */
    public static List<TokenLogprob> promptLogprobs(List<TokenLogprobs> lps) {
        List<TokenLogprob> out = new ArrayList<>(Math.max(0, lps.size() - 1));
        for (int p = 1; p < lps.size(); p++) out.add(logprob(lps.get(p)));
        return out;
    }

    public static int[] ints(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    public static List<Integer> list(int[] a) {
        List<Integer> l = new ArrayList<>(a.length);
        for (int v : a) l.add(v);
        return l;
    }

    /** The shape of an engine's KV cache as the router and peers see it (total KV heads, not per rank). */
    public static KvLayout kvLayout(LlmEngine engine) {
        var l = engine.runner().kvLayout();
        return KvLayout.newBuilder().setNumLayers(l.numLayers()).setBlockSize(l.blockSize())
                .setKvHeads(engine.modelConfig().numKvHeads()).setHeadDim(l.headDim()).setElementBytes(l.elementBytes())
                .setTpSize(engine.runner().tensorParallel()).build();
    }

    /** What the router's registry needs to know about a node. */
    public static NodeInfo nodeInfo(String nodeId, Role role, String address, String modelName, LlmEngine engine) {
        return NodeInfo.newBuilder().setNodeId(nodeId).setRole(role).setAddress(address).setModel(modelName)
                .setTpSize(engine.runner().tensorParallel()).setKvBlocksTotal(engine.stats().kvBlocksTotal())
                .setBlockSize(engine.blockSize()).setMaxModelLen(engine.maxModelLen()).setBackend(engine.config().backend())
                .setKvLayout(kvLayout(engine)).setSchedulingPolicy(engine.config().schedulingPolicy().cliName())
                .setOffloadBlocksTotal(engine.stats().offloadBlocksTotal()).build();
    }

    /** A load report; {@code reservedBlocks} are blocks held for incoming KV (decode nodes), counted in used too. */
    public static NodeStats stats(EngineStats s, int reservedBlocks, int pending, double busyFraction) {
        return NodeStats.newBuilder().setRunning(s.running()).setWaiting(s.waiting() + pending)
                .setKvBlocksTotal(s.kvBlocksTotal()).setKvBlocksUsed(s.kvBlocksUsed()).setKvBlocksReserved(reservedBlocks)
                .setPrefixQueryTokens(s.prefixQueryTokens()).setPrefixHitTokens(s.prefixHitTokens())
                .setOffloadHitTokens(s.offloadHitTokens())
                .setPreemptions(s.preemptions()).setPromptTokens(s.promptTokens()).setGeneratedTokens(s.generatedTokens())
                .setBusyFraction(busyFraction).build();
    }
}
