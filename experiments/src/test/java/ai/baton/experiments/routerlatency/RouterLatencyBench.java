package ai.baton.experiments.routerlatency;

import ai.baton.engine.model.GenerationConfig;
import ai.baton.engine.tokenizer.Tokenizer;
import ai.baton.engine.tokenizer.TokenizerStages;
import ai.baton.experiments.bench.RandomDataset;
import ai.baton.experiments.bench.SampleRequest;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.Role;
import ai.baton.router.api.Endpoint;
import ai.baton.router.api.RequestParser;
import ai.baton.router.api.ServedModel;
import ai.baton.router.registry.NodeRegistry;
import ai.baton.router.registry.Ticker;
import ai.baton.router.routing.RoutePlanner;
import ai.baton.router.routing.RoutingConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.vertx.core.Vertx;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * Where the router's per-request milliseconds go before the first dispatch (baton:router_queue_seconds), for
 * /v1/completions requests with a text prompt like `baton bench --random-input-len 5000` sends: the JSON parse, the
 * tokenizer (and its stages), the whole RequestParser.parse, the route plan, and the Vert.x executeBlocking round trip
 * that carries parse off the event loop. One thread, each stage timed per call over a set of distinct prompts (the
 * tokenizer's word cache warms as it would in a running router).
 *
 * <pre>
 * java -cp ... ai.baton.experiments.routerlatency.RouterLatencyBench TOKENIZER_DIR OUT.json [prompts] [inputLen] [seconds] [PROMPTS.json]
 * </pre>
 */
public final class RouterLatencyBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    interface Op { long run(int i) throws Exception; }

    record Stat(String name, double meanUs, double p50Us, double p90Us, double p99Us, long n) {}

    public static void main(String[] args) throws Exception {
        Path tokDir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int nPrompts = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int inputLen = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
        double seconds = args.length > 4 ? Double.parseDouble(args[4]) : 5;
        Path promptsOut = args.length > 5 ? Path.of(args[5]) : null; // the prompts as a JSON array, for hf-peer.js

        Tokenizer tok = Tokenizer.load(tokDir);
        // the same recipe as `baton bench --dataset random` (its own tokenizer instance: the router's cache starts cold)
        List<SampleRequest> samples = RandomDataset.sample(nPrompts, inputLen, 250, 0.0, Tokenizer.load(tokDir), 0);
        String[] texts = new String[nPrompts];
        byte[][] bodies = new byte[nPrompts][];
        for (int i = 0; i < nPrompts; i++) {
            texts[i] = samples.get(i).prompt();
            ObjectNode o = JSON.createObjectNode();
            o.put("model", "m");
            o.put("prompt", texts[i]);
            o.put("max_tokens", 250);
            o.put("temperature", 0.0);
            o.put("stream", true);
            o.putObject("stream_options").put("include_usage", true);
            o.put("ignore_eos", true);
            bodies[i] = JSON.writeValueAsBytes(o);
        }
        if (promptsOut != null) JSON.writeValue(promptsOut.toFile(), texts);
        int[][] ids = new int[nPrompts][];
        double chars = 0, bytes = 0, tokens = 0;
        for (int i = 0; i < nPrompts; i++) {
            chars += texts[i].length();
            bytes += texts[i].getBytes(StandardCharsets.UTF_8).length;
        }
        ServedModel model = new ServedModel("m", tokDir, tok, null, tok.vocabSize(), 1 << 20, GenerationConfig.empty());
        IntSupplier ctx = () -> 1 << 20;
        RequestParser parser = new RequestParser(model, ctx, 256);

        // cold: the first encode of each prompt by this router's tokenizer (empty word cache at the start)
        long cold0 = System.nanoTime();
        for (int i = 0; i < nPrompts; i++) { ids[i] = tok.encode(texts[i]); tokens += ids[i].length; }
        double coldMeanUs = (System.nanoTime() - cold0) / 1e3 / nPrompts;

        NodeRegistry pd = new NodeRegistry(a -> InProcessChannelBuilder.forName(a).build(), Ticker.system(), RoutingConfig.defaults().maxTreeTokens());
        pd.register(node("p0", Role.PREFILL));
        pd.register(node("d0", Role.DECODE));
        RoutePlanner pdPlanner = new RoutePlanner(pd, RoutingConfig.defaults());
        NodeRegistry col = new NodeRegistry(a -> InProcessChannelBuilder.forName(a).build(), Ticker.system(), RoutingConfig.defaults().maxTreeTokens());
        col.register(node("c0", Role.DECODE));
        col.register(node("c1", Role.DECODE));
        RoutePlanner colPlanner = new RoutePlanner(col, RoutingConfig.defaults());

        Vertx vertx = Vertx.vertx();
        Map<String, Op> ops = new LinkedHashMap<>();
        ops.put("json_parse (Jackson readTree)", i -> RequestParser.readJson(bodies[i]).size());
        ops.put("tokenize: NFC normalize", i -> TokenizerStages.nfc(texts[i]).length());
        ops.put("tokenize: regex split", i -> TokenizerStages.split(texts[i]));
        ops.put("tokenize: split + byte-level map", i -> TokenizerStages.splitAndMap(texts[i]));
        ops.put("tokenize: encode (all stages)", i -> tok.encode(texts[i]).length);
        ops.put("RequestParser.parse (json + validate + encode)", i -> parser.parse(Endpoint.COMPLETIONS, bodies[i], 0).gen().prompt().length);
        ops.put("route plan 1P:1D (prefix trees)", i -> pdPlanner.plan(ids[i], 250, Set.of(), Set.of(), false).matchedTokens());
        ops.put("route plan collocated x2", i -> colPlanner.plan(ids[i], 250, Set.of(), Set.of(), true).matchedTokens());
        ops.put("vert.x executeBlocking round trip (empty task)", i -> hop(vertx));

        List<Stat> stats = new ArrayList<>();
        for (var e : ops.entrySet()) {
            measure(e.getValue(), nPrompts, seconds / 2); // warm-up
            Stat s = measure(e.getValue(), nPrompts, seconds);
            stats.add(new Stat(e.getKey(), s.meanUs, s.p50Us, s.p90Us, s.p99Us, s.n));
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
        pd.close();
        col.close();

        double meanChars = chars / nPrompts, meanBytes = bytes / nPrompts, meanTokens = tokens / nPrompts;
        System.out.printf("%d prompts, mean %.0f chars / %.0f UTF-8 bytes / %.0f tokens; JDK %s, %d cores%n",
                nPrompts, meanChars, meanBytes, meanTokens, Runtime.version(), Runtime.getRuntime().availableProcessors());
        System.out.printf("cold encode (first time each prompt is seen, empty word cache at start): mean %.0f us%n", coldMeanUs);
        System.out.printf("%-50s %10s %10s %10s %10s %8s%n", "stage (per request)", "mean us", "p50 us", "p90 us", "p99 us", "n");
        for (Stat s : stats) System.out.printf("%-50s %10.1f %10.1f %10.1f %10.1f %8d%n", s.name, s.meanUs, s.p50Us, s.p90Us, s.p99Us, s.n);
        Stat enc = stats.stream().filter(s -> s.name.startsWith("tokenize: encode")).findFirst().orElseThrow();
        System.out.printf("encode throughput: %.1f MB/s, %.2f M tokens/s%n", meanBytes / enc.meanUs, meanTokens / enc.meanUs);

        ObjectNode o = JSON.createObjectNode();
        o.put("command", "java -cp <experiments test classpath> " + RouterLatencyBench.class.getName() + " " + String.join(" ", args));
        o.put("jdk", Runtime.version().toString());
        o.put("cores", Runtime.getRuntime().availableProcessors());
        o.put("prompts", nPrompts);
        o.put("input_len", inputLen);
        o.put("seconds_per_stage", seconds);
        o.put("mean_chars", meanChars);
        o.put("mean_utf8_bytes", meanBytes);
        o.put("mean_tokens", meanTokens);
        o.put("cold_encode_mean_us", coldMeanUs);
        o.put("encode_mb_per_s", meanBytes / enc.meanUs);
        var arr = o.putArray("stages");
        for (Stat s : stats) {
            ObjectNode r = arr.addObject();
            r.put("stage", s.name);
            r.put("mean_us", s.meanUs);
            r.put("p50_us", s.p50Us);
            r.put("p90_us", s.p90Us);
            r.put("p99_us", s.p99Us);
            r.put("n", s.n);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), o);
        System.out.println("wrote " + out);
    }

    private static NodeInfo node(String id, Role role) {
        return NodeInfo.newBuilder().setNodeId(id).setRole(role).setAddress(id).setKvBlocksTotal(1 << 20).setBlockSize(16).build();
    }

    /** From an event-loop context, hands an empty task to a worker and waits for the result back on the loop. */
    private static long hop(Vertx vertx) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            long t0 = System.nanoTime();
            vertx.<Long>executeBlocking(() -> 1L, false).onComplete(ar -> done.complete(System.nanoTime() - t0));
        });
        return done.join();
    }

    private static Stat measure(Op op, int nPrompts, double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long[] t = new long[1 << 16];
        int n = 0;
        long sink = 0;
        for (int i = 0; System.nanoTime() < end || n < 20; i++) {
            long t0 = System.nanoTime();
            sink += op.run(i % nPrompts);
            long dt = System.nanoTime() - t0;
            if (n == t.length) t = Arrays.copyOf(t, n * 2);
            t[n++] = dt;
        }
        if (sink == 42) System.out.print("");
        long[] s = Arrays.copyOf(t, n);
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0) / 1e3;
        return new Stat("", mean, s[n / 2] / 1e3, s[(int) (n * 0.9)] / 1e3, s[Math.min(n - 1, (int) (n * 0.99))] / 1e3, n);
    }
}
