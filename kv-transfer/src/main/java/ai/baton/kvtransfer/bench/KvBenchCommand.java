package ai.baton.kvtransfer.bench;

import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.kvtransfer.KvPoolLayout;
import ai.baton.kvtransfer.KvTransfer;
import ai.baton.kvtransfer.PeerDescriptor;
import ai.baton.kvtransfer.TransferOptions;
import ai.baton.kvtransfer.TransportKind;
import ai.baton.kvtransfer.cuda.CudaDriver;
import ai.baton.kvtransfer.cuda.KvCopyCounts;
import ai.baton.kvtransfer.cuda.KvCopyMode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code baton kv-bench}: a sender (this process) and a receiver (a child process it spawns) move KV-shaped
 * buffers of each size through the chosen transport, like a network bandwidth test before a cluster benchmark.
 * Every byte is checked with a CRC32C; {@code --compare-perftest} also runs UCX's own {@code ucx_perftest} with the
 * same UCX settings.
 */
@Command(name = "kv-bench", mixinStandardHelpOptions = true,
        description = "KV transfer bandwidth and latency between two processes on this host, verified by checksum.")
public final class KvBenchCommand implements Callable<Integer> {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final long TARGET_BYTES = 4L << 30;

    @Option(names = "--transport", defaultValue = "ucx", description = "ucx, cuda-ipc or staged (default: ${DEFAULT-VALUE})")
    String transport;

    @Option(names = "--sizes", split = ",", defaultValue = "4KiB,1MiB,64MiB,256MiB", description = "bytes per transfer (K+V of one layer)")
    List<String> sizes;

    @Option(names = "--iters", description = "timed transfers per size (default: about 4 GiB worth, 5..2000)")
    Integer iters;

    @Option(names = "--json", description = "print one JSON object instead of a table")
    boolean json;

    @Option(names = "--compare-perftest", description = "also run ucx_perftest -t ucp_put_bw per size with the same UCX transports")
    boolean comparePerftest;

    @Option(names = "--ucx-tls", description = "UCX_TLS for both processes (default: UCX's choice minus cma)")
    String ucxTls;

    @Option(names = "--memory", description = "host (UCX-allocated shared memory), user (registered malloc memory), sim (simulated device) or cuda")
    String memory;

    @Option(names = "--src-device", defaultValue = "0", description = "GPU of the sender (cuda memory)")
    int srcDevice;

    @Option(names = "--dst-device", defaultValue = "1", description = "GPU of the receiver (cuda memory)")
    int dstDevice;

    @Option(names = "--shuffle", description = "scatter destination blocks (one put per 32 KiB block instead of one per region)")
    boolean shuffle;

    @Option(names = "--kv-copy", description = "CUDA IPC copy path: kernel (batched copy kernel where it can run) or memcpy "
            + "(one cuMemcpy per contiguous run); default: $BATON_KV_COPY, else kernel")
    String kvCopy;

    @Option(names = "--out", description = "also write the JSON results to this file")
    Path out;

    @Option(names = "--repeat", defaultValue = "1",
            description = "measure each size this many times (alternating with ucx_perftest) and report medians: steadier on a busy host")
    int repeat;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new KvBenchCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("kv-bench: " + String.valueOf(ex.getMessage()).replace('\n', ' '));
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        TransportKind kind = TransportKind.parse(transport);
        if (kvCopy != null) System.setProperty(KvCopyMode.PROPERTY, KvCopyMode.parse(kvCopy).label());
        String copyMode = KvCopyMode.current().label(); // an unknown value fails here, before anything starts
        String mem = memory != null ? memory : switch (kind) {
            case UCX -> "host";
            case CUDA_IPC -> "cuda";
            case STAGED -> CudaDriver.loaded() || cudaPresent() ? "cuda" : "sim";
        };
        if (kind == TransportKind.CUDA_IPC) CudaDriver.get(); // one-line error on hosts without a GPU
        String srcMem = mem.equals("cuda") ? "cuda:" + srcDevice : mem;
        String dstMem = mem.equals("cuda") ? "cuda:" + Math.min(dstDevice, CudaDriver.get().deviceCount() - 1) : mem;
        List<Long> byteSizes = sizes.stream().map(ByteSizes::parse).toList();
        for (long s : byteSizes) BenchPool.layoutFor(s); // validate before starting anything

        KvAgentConfig.Builder cfg = KvAgentConfig.builder().name("kv-bench-send").leaseDuration(WAIT).transferTimeout(WAIT);
        if (ucxTls != null) cfg.ucx("TLS", ucxTls);
        KvAgentConfig config = cfg.build();
        String effectiveTls = config.effectiveUcxConfig().getOrDefault("TLS", System.getenv("UCX_TLS"));
        PrintStream console = System.out;
        List<Map<String, Object>> results = new ArrayList<>();
        boolean allVerified = true;
        try (KvAgent agent = KvAgent.create(config); Peer peer = new Peer()) {
            if (!json) {
                console.printf("kv-bench: transport %s, memory %s -> %s, UCX_TLS=%s, %sreceiver pid %d%n", kind.label(), srcMem, dstMem,
                        effectiveTls == null ? "(default)" : effectiveTls, kind == TransportKind.CUDA_IPC ? "copy mode " + copyMode + ", " : "",
                        peer.pid());
                console.printf("%9s %6s %9s %12s %12s %13s %9s%s%s%n", "size", "iters", "GB/s", "lat p50 us", "lat avg us", "notify p50 us",
                        "verified", kind == TransportKind.CUDA_IPC ? String.format(" %-13s", "copy path") : "",
                        comparePerftest ? "  perftest GB/s  ratio" : "");
            }
            if (kind == TransportKind.CUDA_IPC && !json) console.printf("peer access %s%n", peerAccess(srcMem, dstMem));
            for (long size : byteSizes) {
                Map<String, Object> r = measure(agent, peer, kind, srcMem, dstMem, size, effectiveTls);
                results.add(r);
                allVerified &= (Boolean) r.get("verified");
                if (!json) {
                    console.printf("%9s %6d %9.3f %12.1f %12.1f %13.1f %9s%s%s%n", ByteSizes.format(size), r.get("iters"), r.get("gbps"),
                            r.get("latencyUsP50"), r.get("latencyUsAvg"), r.get("notifyUsP50"), r.get("verified"),
                            r.containsKey("copyPath") ? String.format(" %-13s", r.get("copyPath")) : "",
                            r.containsKey("perftestGbps") ? String.format("  %13.3f %6.2f", r.get("perftestGbps"), r.get("ratio"))
                                    : r.containsKey("perftestError") ? "  perftest: " + r.get("perftestError") : "");
                    if (r.containsKey("copyFallback")) console.printf("%9s copied with memcpy: %s%n", "", r.get("copyFallback"));
                }
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("transport", kind.label());
        report.put("memory", srcMem + "->" + dstMem);
        report.put("ucxTls", effectiveTls == null ? "default" : effectiveTls);
        if (kind == TransportKind.CUDA_IPC) {
            report.put("kvCopyMode", copyMode);
            report.put("peerAccess", peerAccess(srcMem, dstMem));
        }
        report.put("shuffle", shuffle);
        report.put("host", InetAddress.getLocalHost().getHostName());
        report.put("cpus", Runtime.getRuntime().availableProcessors());
        report.put("timestamp", Instant.now().toString());
        report.put("results", results);
        ObjectMapper om = new ObjectMapper();
        if (json) console.println(om.writeValueAsString(report));
        if (out != null) {
            if (out.getParent() != null) Files.createDirectories(out.getParent());
            om.enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        }
        return allVerified ? 0 : 1;
    }

    /** One size, {@code --repeat} times; with repeats the figures are medians and every sample is kept. */
    private Map<String, Object> measure(KvAgent agent, Peer peer, TransportKind kind, String srcMem, String dstMem, long size, String tls)
            throws Exception {
        if (repeat <= 1) return runSize(agent, peer, kind, srcMem, dstMem, size, tls);
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int i = 0; i < repeat; i++) samples.add(runSize(agent, peer, kind, srcMem, dstMem, size, tls));
        Map<String, Object> r = new LinkedHashMap<>(samples.get(0));
        for (String key : List.of("gbps", "latencyUsP50", "latencyUsAvg", "notifyUsP50", "perftestGbps")) {
            double[] v = samples.stream().filter(x -> x.get(key) instanceof Double).mapToDouble(x -> (Double) x.get(key)).sorted().toArray();
            if (v.length > 0) r.put(key, v[v.length / 2]);
        }
        if (r.get("perftestGbps") instanceof Double p) r.put("ratio", (Double) r.get("gbps") / p);
        r.put("verified", samples.stream().allMatch(x -> Boolean.TRUE.equals(x.get("verified"))));
        r.put("repeat", repeat);
        List<Map<String, Object>> brief = new ArrayList<>();
        for (Map<String, Object> x : samples) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("gbps", x.get("gbps"));
            if (x.containsKey("perftestGbps")) b.put("perftestGbps", x.get("perftestGbps"));
            b.put("verified", x.get("verified"));
            brief.add(b);
        }
        r.put("samples", brief);
        return r;
    }

    private Map<String, Object> runSize(KvAgent agent, Peer peer, TransportKind kind, String srcMem, String dstMem, long size, String tls)
            throws Exception {
        KvPoolLayout layout = BenchPool.layoutFor(size);
        int n = iters != null ? iters : (int) Math.max(5, Math.min(2000, TARGET_BYTES / size));
        int warm = Math.max(2, n / 10);
        int count = warm + n + 1; // the last one runs into a zeroed pool and is checksummed
        long shuffleSeed = shuffle ? size : -1;
        PeerDescriptor d0 = PeerDescriptor.fromBase64(peer.call("setup " + dstMem + " " + (ucxTls == null ? "-" : ucxTls) + " "
                + layout.numBlocks() + " " + layout.headDim() + " " + count + " " + shuffleSeed, "DESC"));
        int[] src = new int[layout.numBlocks()];
        for (int i = 0; i < src.length; i++) src[i] = i;
        long[] t0 = new long[count], t1 = new long[count];
        long puts;
        // Copies run in this process on the sender's device: its counters say which path each size took.
        KvCopyCounts copyBefore = kind == TransportKind.CUDA_IPC ? CudaDriver.get().device(srcDevice).copyCounts() : null;
        try (BenchPool pool = new BenchPool(agent, srcMem, layout)) {
            pool.fillRandom(size * 31 + 7);
            long expectCrc = pool.crc(src);
            TransferOptions opts = new TransferOptions(kind, WAIT);
            puts = -1;
            for (int i = 0; i < count; i++) {
                if (i == count - 1) peer.call("zero", "OK");
                t0[i] = System.nanoTime();
                KvTransfer t = agent.startTransfer(pool.pool, List.of(d0.withTransferId(d0.transferId() + i)), src, opts);
                t.sendAllLayers();
                t.await(WAIT);
                t1[i] = System.nanoTime();
                if (puts < 0) puts = t.bytesPerLayer() > 0 ? runs(layout, d0.blocks()) : 0;
            }
            String got = peer.call("crc " + (count - 1), "CRC");
            agent.closeIpcMappings(); // the receiver frees this pool at the next size
            long[] arrivals = Arrays.stream(peer.call("times", "TIMES").split(",")).mapToLong(Long::parseLong).toArray();
            double[] lat = new double[n], notify = new double[n];
            double total = 0;
            for (int i = 0; i < n; i++) {
                int k = warm + i;
                lat[i] = (t1[k] - t0[k]) / 1e3;
                notify[i] = (arrivals[k] - t0[k]) / 1e3;
                total += (t1[k] - t0[k]) / 1e9;
            }
            Arrays.sort(lat);
            Arrays.sort(notify);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("size", size);
            r.put("label", ByteSizes.format(size));
            r.put("iters", n);
            r.put("gbps", size * (double) n / total / 1e9);
            r.put("latencyUsP50", lat[n / 2]);
            r.put("latencyUsAvg", Arrays.stream(lat).average().orElse(0));
            r.put("notifyUsP50", notify[n / 2]);
            r.put("putsPerTransfer", puts);
            if (copyBefore != null) {
                KvCopyCounts c = CudaDriver.get().device(srcDevice).copyCounts().since(copyBefore);
                r.put("copyPath", c.path());
                r.put("copyWrites", Map.of("kernel", c.kernelWrites(), "memcpy", c.memcpyWrites()));
                if (c.kernelWrites() > 0) r.put("kernelSegmentsPerWrite", (double) c.kernelSegments() / c.kernelWrites());
                if (c.memcpyWrites() > 0) {
                    r.put("memcpyCopiesPerWrite", (double) c.memcpyCopies() / c.memcpyWrites());
                    if (c.lastFallback() != null && KvCopyMode.current() != KvCopyMode.MEMCPY) r.put("copyFallback", c.lastFallback());
                }
            }
            r.put("verified", Long.toHexString(expectCrc).equals(got));
            r.put("crc", got);
            if (comparePerftest && kind == TransportKind.UCX) {
                boolean tcp = tls != null && tls.contains("tcp") && !tls.startsWith("^");
                int pn = Math.min(n, Math.max(3, (int) ((tcp ? 256L << 20 : 4L << 30) / size)));
                Perftest.Result p = Perftest.putBandwidth(size, pn, tls);
                r.put("perftestCommand", p.command());
                if (p.error() == null) {
                    r.put("perftestGbps", p.gbps());
                    r.put("perftestIters", pn);
                    r.put("ratio", (Double) r.get("gbps") / p.gbps());
                } else {
                    r.put("perftestError", p.error());
                }
            }
            return r;
        }
    }

    /** Puts per transfer: contiguous runs of the destination block list, for K and V. */
    private static long runs(KvPoolLayout layout, int[] dst) {
        long r = 1;
        for (int i = 1; i < dst.length; i++) if (dst[i] != dst[i - 1] + 1) r++;
        return 2 * r * layout.numLayers();
    }

    /** Destination blocks in request order: identity, or a seeded permutation with --shuffle. */
    static int[] destinationBlocks(int numBlocks, long shuffleSeed) {
        int[] b = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) b[i] = i;
        if (shuffleSeed >= 0) {
            Random rnd = new Random(shuffleSeed);
            for (int i = numBlocks - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = b[i];
                b[i] = b[j];
                b[j] = t;
            }
        }
        return b;
    }

    /** Whether the sender's device has peer access to the receiver's (what a cross-device CUDA IPC copy needs). */
    private static String peerAccess(String srcMem, String dstMem) {
        if (!srcMem.startsWith("cuda:") || !dstMem.startsWith("cuda:")) return "n/a";
        CudaDriver cuda = CudaDriver.get();
        int src = Integer.parseInt(srcMem.substring(5)), dst = Integer.parseInt(dstMem.substring(5));
        if (src == dst) return "same device";
        String why = cuda.device(src).peerAccessTo(cuda.device(dst));
        return why == null ? "enabled" : why;
    }

    private static boolean cudaPresent() {
        return Files.exists(Path.of("/dev/nvidiactl")) && CudaDriver.unavailableReason() == null;
    }

    /** The receiving child process. */
    private static final class Peer implements AutoCloseable {
        private final Process process;
        private final PrintWriter in;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Path log;

        Peer() throws IOException {
            String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
                    "-cp", System.getProperty("java.class.path"), KvBenchPeer.class.getName());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("UCX_LOG_FILE", "stderr");
            log = Files.createTempFile("kv-bench-peer-", ".log");
            pb.redirectError(log.toFile());
            process = pb.start();
            in = new PrintWriter(process.getOutputStream(), true);
            Thread.ofPlatform().daemon().name("kv-bench-peer-reader").start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                    String s;
                    while ((s = r.readLine()) != null) lines.add(s);
                } catch (IOException ignored) {
                    // child gone
                }
                lines.add("EOF");
            });
            next("READY");
        }

        long pid() {
            return process.pid();
        }

        String call(String command, String prefix) {
            in.println(command);
            return next(prefix);
        }

        private String next(String prefix) {
            try {
                String s = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (s == null || !s.startsWith(prefix)) {
                    throw new IllegalStateException("receiver process answered " + (s == null ? "nothing" : "'" + s + "'") + " (log: " + log + ")");
                }
                return s.substring(prefix.length()).trim();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }

        @Override
        public void close() throws InterruptedException {
            in.println("exit");
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
