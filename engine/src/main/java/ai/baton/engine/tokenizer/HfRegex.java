package ai.baton.engine.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the Oniguruma-style regexes of tokenizer.json into java.util.regex patterns with the same meaning.
 * UNICODE_CHARACTER_CLASS makes {@code \s}, {@code \d}, {@code \w} Unicode-aware (as they are in Oniguruma
 * with UTF-8; its {@code \s} set equals Unicode White_Space) and case-insensitive groups Unicode-aware.
 */
final class HfRegex {
    private static final Pattern PROPERTY = Pattern.compile("\\\\([pP])\\{\\^?([A-Za-z_ ]+)}");

    private HfRegex() {}

    static Pattern compile(String hfRegex, String file) {
        try {
            return Pattern.compile(translate(hfRegex), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerException("unsupported regex in " + file + ": " + e.getDescription() + " in /" + hfRegex + "/");
        }
    }

    /** Oniguruma accepts script and binary property names bare ({@code \p{Han}}); Java wants them prefixed with "Is". */
    static String translate(String hfRegex) {
        Matcher m = PROPERTY.matcher(hfRegex);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(2);
            boolean negated = m.group(0).contains("{^");
            boolean category = name.length() <= 2 || name.startsWith("Is") || name.startsWith("In");
            String p = negated ? (m.group(1).equals("p") ? "P" : "p") : m.group(1);
            String replacement = "\\" + p + "{" + (category ? name : "Is" + name.replace(" ", "_")) + "}";
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
