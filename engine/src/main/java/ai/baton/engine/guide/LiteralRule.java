package ai.baton.engine.guide;

import java.util.Arrays;
import java.util.List;

/** One of a fixed set of byte strings (enum and const values as compact JSON, true/false/null, choices). */
final class LiteralRule implements ValueRule {
    static final LiteralRule TRUE_FALSE_NULL = of(List.of(bytes("true"), bytes("false"), bytes("null")));
    static final LiteralRule BOOLEAN = of(List.of(bytes("true"), bytes("false")));
    static final LiteralRule NULL = of(List.of(bytes("null")));

    final Node root;

    private LiteralRule(Node root) { this.root = root; }

    static LiteralRule of(List<byte[]> literals) {
        Node root = new Node();
        for (byte[] literal : literals) {
            Node n = root;
            for (byte b : literal) n = n.childOrAdd(b & 0xFF);
            n.terminal = true;
        }
        return new LiteralRule(root);
    }

    static byte[] bytes(String ascii) { return ascii.getBytes(java.nio.charset.StandardCharsets.UTF_8); }

    /** A trie node; built once by {@link #of} and read-only after. */
    static final class Node {
        private byte[] labels = new byte[0];
        private Node[] children = new Node[0];
        boolean terminal;

        Node child(int b) {
            for (int i = 0; i < labels.length; i++) if ((labels[i] & 0xFF) == b) return children[i];
            return null;
        }

        /** A literal ends here and nothing longer goes on from here. */
        boolean isLeaf() { return labels.length == 0; }

        private Node childOrAdd(int b) {
            Node c = child(b);
            if (c != null) return c;
            c = new Node();
            labels = Arrays.copyOf(labels, labels.length + 1);
            children = Arrays.copyOf(children, children.length + 1);
            labels[labels.length - 1] = (byte) b;
            children[children.length - 1] = c;
            return c;
        }
    }
}
