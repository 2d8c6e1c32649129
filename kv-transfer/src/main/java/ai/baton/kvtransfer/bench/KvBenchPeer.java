package ai.baton.kvtransfer.bench;

import ai.baton.kvtransfer.InboundTransfer;
import ai.baton.kvtransfer.KvAgent;
import ai.baton.kvtransfer.KvAgentConfig;
import ai.baton.kvtransfer.KvPoolLayout;
import ai.baton.kvtransfer.KvLayout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The receiving process of {@code kv-bench}, spawned by {@link KvBenchCommand}. It reads one command per line on
 * stdin and answers one line on stdout:
 * {@code setup MEMORY TLS BLOCKS HEADDIM COUNT SHUFFLESEED} (reserve COUNT transfers, answer {@code DESC base64}),
 * {@code times} (arrival times of all but the last transfer, System.nanoTime, which one host shares),
 * {@code zero}, {@code crc INDEX}, {@code exit}.
 */
public final class KvBenchPeer {
    private static final Duration WAIT = Duration.ofSeconds(120);

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        KvAgent agent = null;
        BenchPool pool = null;
        List<InboundTransfer> transfers = new ArrayList<>();
        long[][] arrivals = {new long[0]};
        int[][] blocks = {new int[0]};
        long nextId = 1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
            out.println("READY");
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                String[] a = line.trim().split("\\s+");
                String reply;
                try {
                    switch (a[0]) {
                        case "setup" -> {
                            if (agent == null) {
                                KvAgentConfig.Builder b = KvAgentConfig.builder().name("kv-bench-recv").leaseDuration(WAIT);
                                if (!a[2].equals("-")) b.ucx("TLS", a[2]);
                                agent = KvAgent.create(b.build());
                            }
                            if (pool != null) pool.close();
                            KvPoolLayout layout = KvPoolLayout.of(1, Integer.parseInt(a[3]), 16, 8, Integer.parseInt(a[4]), 2, KvLayout.HND);
                            pool = new BenchPool(agent, a[1], layout);
                            int count = Integer.parseInt(a[5]);
                            blocks[0] = KvBenchCommand.destinationBlocks(layout.numBlocks(), Long.parseLong(a[6]));
                            transfers.clear();
                            arrivals[0] = new long[count];
                            long base = nextId;
                            nextId += count;
                            for (int i = 0; i < count; i++) {
                                InboundTransfer t = agent.expectTransfer(pool.pool, base + i, blocks[0], l -> { });
                                final int idx = i;
                                final long[] arr = arrivals[0];
                                t.completion().thenRun(() -> arr[idx] = System.nanoTime());
                                transfers.add(t);
                            }
                            reply = "DESC " + transfers.get(0).descriptor().toBase64();
                        }
                        case "times" -> {
                            StringBuilder sb = new StringBuilder("TIMES");
                            for (int i = 0; i < transfers.size() - 1; i++) {
                                transfers.get(i).await(WAIT);
                                sb.append(i == 0 ? " " : ",").append(arrivals[0][i]);
                            }
                            reply = sb.toString();
                        }
                        case "zero" -> {
                            pool.zero();
                            reply = "OK";
                        }
                        case "crc" -> {
                            InboundTransfer t = transfers.get(Integer.parseInt(a[1]));
                            t.await(WAIT);
                            reply = "CRC " + Long.toHexString(pool.crc(blocks[0]));
                        }
                        case "exit" -> {
                            reply = "BYE";
                        }
                        default -> reply = "ERR unknown command " + a[0];
                    }
                } catch (Exception e) {
                    reply = "ERR " + String.valueOf(e.getMessage()).replace('\n', ' ');
                }
                out.println(reply);
                out.flush();
                if (a[0].equals("exit")) break;
            }
        } finally {
            if (pool != null) pool.close();
            if (agent != null) agent.close();
        }
        System.exit(0);
    }
}
