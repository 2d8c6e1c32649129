package ai.baton.experiments.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the Prometheus text exposition format (version 0.0.4), the body of a /metrics endpoint: comments and
 * blank lines skipped, label values unescaped, NaN and ±Inf understood, a trailing timestamp ignored.
 */
public final class PromText {
    private PromText() {}

    public static List<PromSample> parse(String text) {
        List<PromSample> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.charAt(0) == '#') continue;
            try {
                out.add(parseLine(l));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("metrics line " + lineNo + ": " + e.getMessage() + ": " + l);
            }
        }
        return out;
    }

    static PromSample parseLine(String l) {
        int i = 0;
        while (i < l.length() && l.charAt(i) != '{' && !Character.isWhitespace(l.charAt(i))) i++;
        String name = l.substring(0, i);
        if (name.isEmpty()) throw new IllegalArgumentException("no metric name");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < l.length() && l.charAt(i) == '{') {
            i++;
            while (true) {
                while (i < l.length() && (l.charAt(i) == ',' || l.charAt(i) == ' ')) i++;
                if (i >= l.length()) throw new IllegalArgumentException("unterminated labels");
                if (l.charAt(i) == '}') { i++; break; }
                int eq = l.indexOf('=', i);
                if (eq < 0) throw new IllegalArgumentException("label without '='");
                String key = l.substring(i, eq).strip();
                i = eq + 1;
                if (i >= l.length() || l.charAt(i) != '"') throw new IllegalArgumentException("label value not quoted");
                i++;
                StringBuilder v = new StringBuilder();
                while (true) {
                    if (i >= l.length()) throw new IllegalArgumentException("unterminated label value");
                    char c = l.charAt(i++);
                    if (c == '"') break;
                    if (c == '\\' && i < l.length()) {
                        char e = l.charAt(i++);
                        v.append(e == 'n' ? '\n' : e);
                    } else {
                        v.append(c);
                    }
                }
                labels.put(key, v.toString());
            }
        }
        String[] rest = l.substring(i).strip().split("\\s+");
        if (rest.length == 0 || rest[0].isEmpty()) throw new IllegalArgumentException("no value");
        return new PromSample(name, labels, value(rest[0]));
    }

    static double value(String s) {
        return switch (s) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
