package ai.baton.router.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * An approximate radix tree of the token prefixes routed to one node. It does not mirror the node's real prefix
 * cache (which evicts on its own schedule); it remembers what the router sent there, bounded by a token budget with
 * least-recently-routed leaves evicted first, which is close enough to steer requests toward warm caches.
 * Thread-safe: every public method holds the tree's lock, and each call is short.
 */
public final class PrefixTree {
    private static final class Node {
        int[] edge;                       // tokens on the edge from the parent to this node
        final Map<Integer, Node> children = new HashMap<>(2);
        Node parent;
        long lastUse;

        Node(int[] edge, Node parent) {
            this.edge = edge;
            this.parent = parent;
        }
    }

    private final Node root = new Node(new int[0], null);
    private long maxTokens;
    private long size;
    private long clock;

    public PrefixTree(long maxTokens) {
        this.maxTokens = Math.max(1, maxTokens);
    }

    /** Length of the longest prefix of {@code tokens} that this tree holds. */
    public synchronized int matchLength(int[] tokens) {
        Node n = root;
        int i = 0;
        while (i < tokens.length) {
            Node child = n.children.get(tokens[i]);
            if (child == null) break;
            int k = common(child.edge, tokens, i);
            i += k;
            if (k < child.edge.length) break;
            n = child;
        }
        return i;
    }

    /** Records that {@code tokens} were routed here: adds what is new and refreshes the path's recency. */
    public synchronized void insert(int[] tokens) {
        long now = ++clock;
        Node n = root;
        n.lastUse = now;
        int i = 0;
        while (i < tokens.length) {
            Node child = n.children.get(tokens[i]);
            if (child == null) {
                Node leaf = new Node(java.util.Arrays.copyOfRange(tokens, i, tokens.length), n);
                leaf.lastUse = now;
                n.children.put(tokens[i], leaf);
                size += leaf.edge.length;
                break;
            }
            int k = common(child.edge, tokens, i);
            if (k < child.edge.length) child = split(child, k);
            child.lastUse = now;
            i += k;
            n = child;
        }
        if (size > maxTokens) evict();
    }

    /** Total tokens held. */
    public synchronized long size() { return size; }

    /** The token budget, beyond which the least recently routed prefixes are forgotten. */
    public synchronized long maxTokens() { return maxTokens; }

    public synchronized void setMaxTokens(long max) {
        maxTokens = Math.max(1, max);
        if (size > maxTokens) evict();
    }

    public synchronized void clear() {
        root.children.clear();
        size = 0;
    }

    private static int common(int[] edge, int[] tokens, int from) {
        int n = Math.min(edge.length, tokens.length - from);
        int k = 0;
        while (k < n && edge[k] == tokens[from + k]) k++;
        return k;
    }

    /** Splits {@code child}'s edge after {@code k} tokens; returns the new upper node. */
    private static Node split(Node child, int k) {
        Node parent = child.parent;
        Node upper = new Node(java.util.Arrays.copyOf(child.edge, k), parent);
        upper.lastUse = child.lastUse;
        parent.children.put(upper.edge[0], upper);
        child.edge = java.util.Arrays.copyOfRange(child.edge, k, child.edge.length);
        child.parent = upper;
        upper.children.put(child.edge[0], child);
        return upper;
    }

    /** Drops least-recently-routed leaves until the tree fits its budget (to 90%, so eviction is not per insert). */
    private void evict() {
        long target = maxTokens - maxTokens / 10;
        PriorityQueue<Node> leaves = new PriorityQueue<>((a, b) -> Long.compare(a.lastUse, b.lastUse));
        collectLeaves(root, leaves);
        while (size > target && !leaves.isEmpty()) {
            Node leaf = leaves.poll();
            Node parent = leaf.parent;
            parent.children.remove(leaf.edge[0]);
            size -= leaf.edge.length;
            if (parent != root && parent.children.isEmpty()) leaves.add(parent);
        }
    }

    private static void collectLeaves(Node root, PriorityQueue<Node> out) {
        List<Node> stack = new ArrayList<>();
        stack.add(root);
        while (!stack.isEmpty()) {
            Node n = stack.removeLast();
            if (n.children.isEmpty()) {
                if (n.parent != null) out.add(n);     // the root is never evicted
            } else {
                stack.addAll(n.children.values());
            }
        }
    }
}
