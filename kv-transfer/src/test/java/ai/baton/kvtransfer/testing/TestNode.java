package ai.baton.kvtransfer.testing;

import ai.baton.kvtransfer.InboundTransfer;
import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.kvtransfer.KvLayout;
import ai.baton.kvtransfer.KvPool;
import ai.baton.kvtransfer.KvPoolLayout;
import ai.baton.kvtransfer.KvTransfer;
import ai.baton.kvtransfer.KvTransferException;
import ai.baton.kvtransfer.PeerDescriptor;
import ai.baton.kvtransfer.SimulatedDevice;
import ai.baton.kvtransfer.TransferOptions;
import ai.baton.kvtransfer.TransportKind;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Agents, pools and transfers of one test process, driven by one-line text commands so the same code runs in
 * the test JVM and in a child JVM (see {@link PeerProcess}). Every command answers one line.
 */
public final class TestNode implements AutoCloseable {
    private final List<KvAgent> agents = new ArrayList<>();
    private final List<KvPool> pools = new ArrayList<>();
    private final List<KvTransfer> sends = new CopyOnWriteArrayList<>();
    private final Map<String, InboundTransfer> inbound = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> landedOrder = new ConcurrentHashMap<>();
    private final Map<String, String> released = new ConcurrentHashMap<>();
    private final Arena arena = Arena.ofShared();

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        try (TestNode node = new TestNode(); BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
            out.println("READY " + ProcessHandle.current().pid());
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("exit")) break;
                String reply;
                try {
                    reply = node.exec(line);
                } catch (Throwable t) {
                    reply = "ERR " + String.valueOf(t.getMessage()).replace('\n', ' ');
                }
                out.println(reply);
                out.flush();
            }
        }
        System.exit(0);
    }

    public KvAgent agent(int i) {
        return agents.get(i);
    }

    public KvPool pool(int i) {
        return pools.get(i);
    }

    public InboundTransfer inbound(int agent, long tid) {
        return inbound.get(agent + "/" + tid);
    }

    public String exec(String line) throws Exception {
        String[] a = line.trim().split("\\s+");
        switch (a[0]) {
            case "agent" -> {
                KvAgentConfig.Builder b = KvAgentConfig.builder().name(a[1]).heartbeat(Duration.ofMillis(200), Duration.ofSeconds(3));
                if (!a[2].equals("-")) b.ucx("TLS", a[2]);
                if (a.length > 3) b.stagingRing(Long.parseLong(a[3]), 3).sendStagingBytes(2 * Long.parseLong(a[3]));
                agents.add(KvAgent.create(b.build()));
                return "OK " + (agents.size() - 1);
            }
            case "pool" -> {
                KvAgent ag = agents.get(Integer.parseInt(a[1]));
                KvPoolLayout l = new KvPoolLayout(i(a[3]), i(a[4]), i(a[5]), i(a[6]), i(a[7]), i(a[8]), KvLayout.valueOf(a[9]), i(a[10]), i(a[11]));
                KvPool p = switch (a[2]) {
                    case "host" -> ag.allocateHostPool(l);
                    case "user" -> {
                        List<MemorySegment> k = new ArrayList<>(), v = new ArrayList<>();
                        for (int x = 0; x < l.numLayers(); x++) {
                            k.add(arena.allocate(l.regionBytes(), 64));
                            v.add(arena.allocate(l.regionBytes(), 64));
                        }
                        yield ag.registerHostPool(l, k, v);
                    }
                    case "sim" -> {
                        long[] k = new long[l.numLayers()], v = new long[l.numLayers()];
                        for (int x = 0; x < l.numLayers(); x++) {
                            k[x] = arena.allocate(l.regionBytes(), 64).address();
                            v[x] = arena.allocate(l.regionBytes(), 64).address();
                        }
                        yield ag.registerDevicePool(l, new SimulatedDevice(pools.size()), k, v);
                    }
                    default -> throw new IllegalArgumentException("pool kind " + a[2]);
                };
                pools.add(p);
                return "OK " + (pools.size() - 1);
            }
            case "expect" -> {
                KvPool p = pools.get(i(a[1]));
                int agentIdx = agents.indexOf(p.agent());
                long tid = Long.parseLong(a[2]);
                String key = agentIdx + "/" + tid;
                InboundTransfer in = p.agent().expectTransfer(p, tid, blocks(a[3]), Duration.ofMillis(Long.parseLong(a[4])),
                        lease -> released.put(key, String.valueOf(lease.releaseReason())));
                List<Integer> order = new CopyOnWriteArrayList<>();
                landedOrder.put(key, order);
                in.onLayerLanded(order::add);
                inbound.put(key, in);
                return "DESC " + in.descriptor().toBase64();
            }
            case "fill" -> {
                KvPattern.fill(pools.get(i(a[1])), blocks(a[2]), Long.parseLong(a[3]));
                return "OK";
            }
            case "send" -> {
                KvPool p = pools.get(i(a[1]));
                TransportKind t = a[3].equals("-") ? null : TransportKind.parse(a[3]);
                long delay = Long.parseLong(a[4]);
                List<PeerDescriptor> descs = Arrays.stream(a[5].split(",")).map(PeerDescriptor::fromBase64).toList();
                KvTransfer tr = p.agent().startTransfer(p, descs, blocks(a[2]), new TransferOptions(t, Duration.ofSeconds(30)));
                sends.add(tr);
                int layers = p.layout().numLayers();
                // Layer streaming: hand layers over one by one, as a model would while computing them.
                Thread.ofPlatform().daemon().start(() -> {
                    for (int l = 0; l < layers; l++) {
                        if (delay > 0) sleep(delay);
                        tr.sendLayer(l);
                    }
                });
                return "OK " + (sends.size() - 1);
            }
            case "sendwait" -> {
                KvTransfer tr = sends.get(i(a[1]));
                try {
                    tr.await(Duration.ofMillis(Long.parseLong(a[2])));
                    return "DONE " + tr.transports();
                } catch (KvTransferException e) {
                    return "FAILED " + tr.state() + " " + oneLine(e.getMessage());
                }
            }
            case "sendstate" -> {
                return "STATE " + sends.get(i(a[1])).state();
            }
            case "await" -> {
                String key = a[1] + "/" + a[2];
                InboundTransfer in = inbound.get(key);
                try {
                    in.await(Duration.ofMillis(Long.parseLong(a[3])));
                    return "DONE " + landedOrder.get(key).toString().replace(" ", "") + " " + in.transport();
                } catch (KvTransferException e) {
                    return "FAILED " + oneLine(e.getMessage());
                }
            }
            case "landed" -> {
                String key = a[1] + "/" + a[2];
                return "LANDED " + landedOrder.get(key).toString().replace(" ", "");
            }
            case "verify" -> {
                return "VERIFY " + KvPattern.verify(pools.get(i(a[1])), blocks(a[2]), Long.parseLong(a[3]));
            }
            case "leases" -> {
                return "LEASES " + agents.get(i(a[1])).heldLeases();
            }
            case "released" -> {
                return "RELEASED " + released.getOrDefault(a[1] + "/" + a[2], "-").replace(' ', '_');
            }
            case "metrics" -> {
                return "METRICS " + agents.get(i(a[1])).metrics().snapshot().entrySet().stream()
                        .filter(e -> e.getValue() != 0).map(e -> e.getKey() + "=" + e.getValue()).toList().toString().replace(" ", "");
            }
            default -> throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replace('\n', ' ');
    }

    private static int i(String s) {
        return Integer.parseInt(s);
    }

    public static int[] blocks(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    public static String csv(int[] b) {
        return String.join(",", Arrays.stream(b).mapToObj(Integer::toString).toList());
    }

    @Override
    public void close() {
        for (KvAgent a : agents) a.close();
        arena.close();
    }
}
