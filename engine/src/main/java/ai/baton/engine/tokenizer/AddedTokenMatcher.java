package ai.baton.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text the way HF's AddedVocabulary does: leftmost-longest non-overlapping
 * matches of the token strings, then the single_word, lstrip and rstrip rules applied to each match.
 */
final class AddedTokenMatcher {
    /** A piece of text: an added token (tokenId >= 0) or plain text to pre-tokenize (tokenId == -1). */
    record Segment(int start, int end, int tokenId) {}

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        AddedToken token; // set where a pattern ends
    }

    private final Node root = new Node();
    private final boolean empty;
    /** Bit c is set when some pattern starts with char c: most characters are ruled out without a map lookup. */
    private final long[] firstChars = new long[1 << 10];

    /** patterns[i] is the string that stands for tokens[i] in the text it is matched against. */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> patterns) {
        for (int i = 0; i < tokens.size(); i++) {
            String p = patterns.get(i);
            if (p.isEmpty()) continue;
            Node n = root;
            for (int k = 0; k < p.length(); k++) n = n.children.computeIfAbsent(p.charAt(k), c -> new Node());
            if (n.token == null) n.token = tokens.get(i);
            firstChars[p.charAt(0) >>> 6] |= 1L << p.charAt(0);
        }
        empty = root.children.isEmpty();
    }

    boolean isEmpty() { return empty; }

    /** Splits text into segments that cover it completely, in order; empty text gives no segments. */
    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (text.isEmpty()) return out;
        int pieceStart = 0; // start of the text not yet emitted
        int i = 0;
        int n = text.length();
        while (i < n) {
            char first = text.charAt(i);
            if ((firstChars[first >>> 6] & (1L << first)) == 0) { i++; continue; }
            Node node = root.children.get(first);
            if (node == null) { i++; continue; }
            AddedToken found = null;
            int foundEnd = -1;
            int j = i + 1;
            while (true) {
                if (node.token != null) { found = node.token; foundEnd = j; }
                if (j >= n) break;
                node = node.children.get(text.charAt(j));
                if (node == null) break;
                j++;
            }
            if (found == null) { i++; continue; }
            int start = i, stop = foundEnd;
            i = foundEnd; // matches never overlap, even when this one is discarded below
            if (found.singleWord()) {
                boolean wordBefore = start > 0 && UnicodeProps.isWordChar(text.codePointBefore(start));
                boolean wordAfter = stop < n && UnicodeProps.isWordChar(text.codePointAt(stop));
                if (wordBefore || wordAfter) continue;
            }
            if (found.lstrip()) {
                int s = start;
                while (s > pieceStart && UnicodeProps.isWhiteSpace(text.codePointBefore(s))) s -= Character.charCount(text.codePointBefore(s));
                start = s;
            }
            if (found.rstrip()) {
                while (stop < n && UnicodeProps.isWhiteSpace(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
                i = stop;
            }
            if (pieceStart < start) out.add(new Segment(pieceStart, start, -1));
            out.add(new Segment(start, stop, found.id()));
            pieceStart = stop;
        }
        if (pieceStart < n) out.add(new Segment(pieceStart, n, -1));
        return out;
    }
}
