package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code Split} pre-tokenizer: cuts text at the matches of a regex, keeping them per the split behavior. */
final class RegexSplit implements PreTokenizer {
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    private final Pattern pattern;
    private final Behavior behavior;
    private final boolean invert;

    RegexSplit(Pattern pattern, Behavior behavior, boolean invert) {
        this.pattern = pattern;
        this.behavior = behavior;
        this.invert = invert;
    }

    static PreTokenizer fromJson(JsonNode node, String file) {
        JsonNode p = node.path("pattern");
        if (p.has("Regex") && node.path("behavior").asText("").equals("Isolated") && !node.path("invert").asBoolean(false)) {
            FastSplit fast = FastSplit.forRegex(p.get("Regex").asText());
            if (fast != null) return fast;
        }
        Pattern pattern;
        if (p.has("Regex")) pattern = HfRegex.compile(p.get("Regex").asText(), file);
        else if (p.has("String")) pattern = Pattern.compile(Pattern.quote(p.get("String").asText()));
        else throw new TokenizerException("Split pre_tokenizer without a pattern in " + file);
        String b = node.path("behavior").asText("Isolated");
        Behavior behavior = switch (b) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw new TokenizerException("unsupported Split behavior '" + b + "' in " + file);
        };
        return new RegexSplit(pattern, behavior, node.path("invert").asBoolean(false));
    }

    @Override public boolean mapsToBytes() { return false; }

    @Override public void split(String piece, List<String> out) {
        if (behavior == Behavior.ISOLATED) { // the common case, without building the span list
            Matcher m = pattern.matcher(piece);
            int prev = 0;
            while (m.find()) {
                if (m.start() > prev) out.add(piece.substring(prev, m.start()));
                if (m.end() > m.start()) out.add(piece.substring(m.start(), m.end()));
                prev = m.end();
            }
            if (prev < piece.length()) out.add(piece.substring(prev));
            return;
        }
        // spans as [start, end, isMatch] triples, covering the whole piece
        List<int[]> spans = new ArrayList<>();
        Matcher m = pattern.matcher(piece);
        int prev = 0;
        while (m.find()) {
            if (m.start() > prev) spans.add(new int[] {prev, m.start(), invert ? 1 : 0});
            spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
            prev = m.end();
        }
        if (prev < piece.length()) spans.add(new int[] {prev, piece.length(), invert ? 1 : 0});
        List<int[]> merged = merge(spans);
        for (int[] s : merged) if (s[1] > s[0]) out.add(piece.substring(s[0], s[1]));
    }

    /** Applies the behavior to the spans the way HF's SplitDelimiterBehavior does. */
    private List<int[]> merge(List<int[]> spans) {
        List<int[]> acc = new ArrayList<>();
        boolean previousMatch = false;
        switch (behavior) {
            case REMOVED -> { for (int[] s : spans) if (s[2] == 0) acc.add(s); }
            case ISOLATED -> acc.addAll(spans);
            case MERGED_WITH_PREVIOUS -> {
                for (int[] s : spans) {
                    boolean isMatch = s[2] == 1;
                    if (isMatch && !previousMatch && !acc.isEmpty()) acc.getLast()[1] = s[1];
                    else acc.add(s.clone());
                    previousMatch = isMatch;
                }
            }
            case MERGED_WITH_NEXT -> {
                for (int k = spans.size() - 1; k >= 0; k--) {
                    int[] s = spans.get(k);
                    boolean isMatch = s[2] == 1;
                    if (isMatch && !previousMatch && !acc.isEmpty()) acc.getLast()[0] = s[0];
                    else acc.add(s.clone());
                    previousMatch = isMatch;
                }
                java.util.Collections.reverse(acc);
            }
            case CONTIGUOUS -> {
                for (int[] s : spans) {
                    boolean isMatch = s[2] == 1;
                    if (isMatch == previousMatch && !acc.isEmpty()) acc.getLast()[1] = s[1];
                    else acc.add(s.clone());
                    previousMatch = isMatch;
                }
            }
        }
        return acc;
    }
}
