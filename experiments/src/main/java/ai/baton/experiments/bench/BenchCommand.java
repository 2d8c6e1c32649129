package ai.baton.experiments.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code baton bench}: a load generator for OpenAI-compatible servers, compatible with vllm bench serve. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Benchmark an OpenAI-compatible server (a Baton router, vLLM, SGLang) like vllm bench serve: "
                + "streams every request, times every chunk, prints TTFT/TPOT/ITL/E2EL and throughput, and writes "
                + "vLLM's result JSON with Baton's server-side breakdown when the server serves /metrics.")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    BenchOptions options = new BenchOptions();

    @Override
    public Integer call() throws Exception {
        var r = new Bench(options, System.err).run();
        return r.get("completed").asInt() > 0 ? 0 : 1;
    }
}
