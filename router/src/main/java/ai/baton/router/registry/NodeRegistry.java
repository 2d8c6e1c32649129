package ai.baton.router.registry;

import ai.baton.proto.NodeInfo;
import ai.baton.proto.NodeStats;
import ai.baton.proto.Role;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/** The nodes that registered with this router, by id. */
public final class NodeRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeRegistry.class.getName());

    private final Map<String, NodeHandle> nodes = new ConcurrentHashMap<>();
    private final ChannelFactory channels;
    private final Ticker ticker;
    private final long maxTreeTokens;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    public NodeRegistry(ChannelFactory channels, Ticker ticker, long maxTreeTokens) {
        this.channels = channels;
        this.ticker = ticker;
        this.maxTreeTokens = maxTreeTokens;
    }

    /** Adds a node, or replaces the one of the same id (a restarted node registers again). */
    public NodeHandle register(NodeInfo info) {
        if (info.getNodeId().isEmpty()) throw new IllegalArgumentException("node_id is required");
        if (info.getRole() != Role.PREFILL && info.getRole() != Role.DECODE) throw new IllegalArgumentException("role must be PREFILL or DECODE");
        if (info.getAddress().isEmpty()) throw new IllegalArgumentException("address is required");
        NodeHandle fresh = new NodeHandle(info, channels.open(info.getAddress()), maxTreeTokens, ticker.nanos());
        NodeHandle old = nodes.put(info.getNodeId(), fresh);
        if (old != null) old.close();
        LOG.info(() -> "registered " + fresh + " tp=" + info.getTpSize() + " kv_blocks=" + info.getKvBlocksTotal());
        fire("register " + info.getNodeId());
        return fresh;
    }

    /** Records a load report; false when the node is unknown (it should register again). */
    public boolean heartbeat(String nodeId, NodeStats stats) {
        NodeHandle n = nodes.get(nodeId);
        if (n == null) return false;
        n.heartbeat(stats, ticker.nanos());
        return true;
    }

    public void remove(String nodeId) {
        NodeHandle n = nodes.remove(nodeId);
        if (n != null) {
            n.close();
            LOG.info(() -> "removed " + n);
            fire("remove " + nodeId);
        }
    }

    public NodeHandle get(String nodeId) { return nodes.get(nodeId); }

    public Collection<NodeHandle> all() { return List.copyOf(nodes.values()); }

    /** Nodes of a role that are registered and currently healthy. */
    public List<NodeHandle> healthy(Role role) {
        List<NodeHandle> out = new ArrayList<>();
        for (NodeHandle n : nodes.values()) if (n.role() == role && n.healthy()) out.add(n);
        out.sort((a, b) -> a.id().compareTo(b.id()));
        return out;
    }

    public int count(Role role) {
        int c = 0;
        for (NodeHandle n : nodes.values()) if (n.role() == role) c++;
        return c;
    }

    /** Smallest context length the registered nodes accept (0 when none says). */
    public int maxModelLen() {
        int m = 0;
        for (NodeHandle n : nodes.values()) {
            int l = n.info().getMaxModelLen();
            if (l > 0 && (m == 0 || l < m)) m = l;
        }
        return m;
    }

    /**
     * Whether requests may carry priorities: some node is registered, and every registered node schedules by priority
     * (a node serving first come, first served refuses a nonzero priority).
     */
    public boolean schedulesByPriority() {
        if (nodes.isEmpty()) return false;
        for (NodeHandle n : nodes.values()) if (!"priority".equals(n.info().getSchedulingPolicy())) return false;
        return true;
    }

    /** Called with a short description on every membership change (tests and logs wait on it). */
    public void onChange(Consumer<String> listener) { listeners.add(listener); }

    void fire(String what) {
        for (Consumer<String> l : listeners) l.accept(what);
    }

    Ticker ticker() { return ticker; }

    @Override
    public void close() {
        for (String id : List.copyOf(nodes.keySet())) {
            NodeHandle n = nodes.remove(id);
            if (n != null) n.close();
        }
    }
}
