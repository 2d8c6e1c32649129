package ai.baton.experiments.allreduce;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.Backends;
import ai.baton.engine.backend.cuda.CudaBackend;
import ai.baton.engine.backend.cuda.NcclBuffer;
import ai.baton.engine.backend.cuda.NcclGroup;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * In-place bf16 sum all-reduce over GPUs the way the engine runs it: one thread per rank in one process, NCCL
 * communicators from {@link NcclGroup}, each rank's collectives on its backend's stream. Each size is timed with
 * CUDA events around {@code --iters} back-to-back all-reduces (median of {@code --runs}; the slowest rank counts),
 * and reported with nccl-tests' algbw and busbw so the table sits beside {@code all_reduce_perf -d bfloat16 -o sum}
 * for the same sizes. Every size is first checked: rank r contributes r+1, every element must sum to n(n+1)/2.
 */
@Command(name = "allreduce-bench", mixinStandardHelpOptions = true,
        description = "Benchmark NCCL all-reduce (bf16, sum, in place) across GPUs, ranks on threads like the engine.")
public final class AllReduceBenchCommand implements Callable<Integer> {
    @Option(names = "--gpus", defaultValue = "0,1", description = "devices, one rank each (default: ${DEFAULT-VALUE})") String gpus;
    @Option(names = "--min-bytes", defaultValue = "1K", description = "smallest message (default: ${DEFAULT-VALUE})") String minBytes;
    @Option(names = "--max-bytes", defaultValue = "256M", description = "largest message (default: ${DEFAULT-VALUE})") String maxBytes;
    @Option(names = "--factor", defaultValue = "2", description = "size multiplier between rows (default: ${DEFAULT-VALUE})") int factor;
    @Option(names = "--iters", defaultValue = "20", description = "all-reduces per timed run, as nccl-tests -n (default: ${DEFAULT-VALUE})") int iters;
    @Option(names = "--runs", defaultValue = "5", description = "timed runs per size, median reported (default: ${DEFAULT-VALUE})") int runs;
    @Option(names = "--json", description = "write results here") Path json;
    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AllReduceBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Integer> list = EngineConfig.parseGpus(gpus);
        if (list.isEmpty()) throw new IllegalArgumentException("--gpus must name at least one device");
        int[] devices = EngineConfig.forModel(null).withTensorParallel(list.size()).withGpus(list).devices();
        List<Long> sizes = Sizes.sweep(Sizes.parse(minBytes), Sizes.parse(maxBytes), factor);
        if (sizes.stream().anyMatch(b -> b % 2 != 0)) throw new IllegalArgumentException("sizes must be whole bf16 elements (even bytes)");
        if (iters < 1 || runs < 1) throw new IllegalArgumentException("--iters and --runs must be >= 1");
        int n = devices.length;
        long maxCount = sizes.getLast() / 2;

        List<Backend> backends = new ArrayList<>();
        List<NcclBuffer> buffers = new ArrayList<>();
        NcclGroup group = null;
        ExecutorService[] threads = new ExecutorService[n];
        try {
            for (int d : devices) backends.add(Backends.create("cuda", 1, d));
            group = NcclGroup.open(backends);
            for (Backend b : backends) buffers.add(NcclBuffer.bf16(b, maxCount));
            for (int r = 0; r < n; r++) {
                String name = "allreduce-rank-" + r;
                threads[r] = Executors.newSingleThreadExecutor(t -> {
                    Thread th = new Thread(t, name);
                    th.setDaemon(true);
                    return th;
                });
            }
            return run(devices, sizes, backends, buffers, group, threads);
        } finally {
            for (ExecutorService t : threads) if (t != null) t.shutdownNow();
            for (NcclBuffer b : buffers) b.close();
            if (group != null) group.close();
            for (Backend b : backends) b.close();
        }
    }

    private int run(int[] devices, List<Long> sizes, List<Backend> backends, List<NcclBuffer> buffers, NcclGroup group,
                    ExecutorService[] threads) throws Exception {
        int n = devices.length;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("command", "allreduce-bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        report.put("nccl", group.describe());
        List<String> names = new ArrayList<>();
        for (Backend b : backends) names.add(((CudaBackend) b).deviceName());
        report.put("devices", names);
        report.put("gpus", devices);
        report.put("ranks", n);
        report.put("dtype", "bf16");
        report.put("op", "sum");
        report.put("in_place", true);
        report.put("iters", iters);
        report.put("runs", runs);
        report.put("timing", "CUDA events around iters back-to-back all-reduces on each rank's stream; median of runs; max over ranks");
        System.out.printf("%s, %d rank(s) on GPUs %s (%s), bf16 sum in place, %d all-reduces per timed run, median of %d%n",
                group.describe(), n, list(devices), String.join(", ", names), iters, runs);
        System.out.printf("%12s %12s %10s %12s %12s %8s%n", "size (B)", "count", "time (us)", "algbw (GB/s)", "busbw (GB/s)", "check");
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean allOk = true;
        for (long bytes : sizes) {
            long count = bytes / 2;
            // Check: rank r holds r+1 everywhere; after the all-reduce the first and last elements hold n(n+1)/2.
            float expected = n * (n + 1) / 2f;
            List<float[]> seen = onRanks(n, threads, group, r -> {
                NcclBuffer buf = buffers.get(r);
                buf.fill(r + 1);
                NcclGroup g = group;
                g.allReduce(r, buf, count);
                float[] head = buf.read(0, 1), tail = buf.read(count - 1, 1);
                buf.fill(0);  // zeros stay zeros: timed sums never overflow
                return new float[]{head[0], tail[0]};
            });
            boolean ok = seen.stream().allMatch(v -> v[0] == expected && v[1] == expected);
            allOk &= ok;
            List<Double> seconds = onRanks(n, threads, group, r -> {
                NcclBuffer buf = buffers.get(r);
                return ((CudaBackend) backends.get(r)).timeSeconds(runs, () -> {
                    for (int i = 0; i < iters; i++) group.allReduce(r, buf, count);
                }) / iters;
            });
            double sec = seconds.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            Bandwidth bw = new Bandwidth(bytes, n, sec);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("bytes", bytes);
            row.put("count", count);
            row.put("time_us", sec * 1e6);
            row.put("rank_time_us", seconds.stream().map(s -> s * 1e6).toList());
            row.put("algbw_GBps", bw.algbw() / 1e9);
            row.put("busbw_GBps", bw.busbw() / 1e9);
            row.put("check", ok ? "ok" : "FAILED: expected " + expected + ", ranks saw " + seen.stream().map(v -> v[0] + "/" + v[1]).toList());
            rows.add(row);
            System.out.printf("%12d %12d %10.2f %12.2f %12.2f %8s%n", bytes, count, sec * 1e6, bw.algbw() / 1e9, bw.busbw() / 1e9, ok ? "ok" : "FAILED");
        }
        report.put("results", rows);
        report.put("all_checks_ok", allOk);
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
            System.out.println("wrote " + json);
        }
        System.out.println(allOk ? "allreduce-bench: every size summed correctly" : "allreduce-bench: a check FAILED");
        return allOk ? 0 : 1;
    }

    /** Runs {@code work(rank)} on every rank's thread at once; a failing rank aborts the group so peers return. */
    private static <T> List<T> onRanks(int n, ExecutorService[] threads, NcclGroup group, IntFunction<T> work) throws Exception {
        List<Future<T>> fs = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int rank = r;
            fs.add(threads[r].submit(() -> {
                try {
                    return work.apply(rank);
                } catch (RuntimeException | Error e) {
                    group.abort("rank " + rank + " failed: " + e.getMessage());
                    throw e;
                }
            }));
        }
        List<T> out = new ArrayList<>();
        Exception failure = null;
        for (Future<T> f : fs) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                if (failure == null) failure = e.getCause() instanceof Exception x ? x : e;
            }
        }
        if (failure != null) throw failure;
        return out;
    }

    private static String list(int[] a) {
        StringBuilder s = new StringBuilder();
        for (int v : a) s.append(s.isEmpty() ? "" : ",").append(v);
        return s.toString();
    }
}
