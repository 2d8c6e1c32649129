package ai.baton.engine.guide;

import java.util.Map;

/**
 * The JSON schema string formats that constrain generation, as regular expressions over the decoded string (the
 * subset {@link RegexParser} reads). Each accepts only valid values of the format, though not every valid value:
 * upper-case 'T' and 'Z' only, no leap seconds, UTC offsets of at most 14 hours (those in use), no IPv6 zone or
 * embedded IPv4, and e-mail addresses with a dot-atom local part and a domain of at least two labels. Day numbers
 * are not checked against the month. Other formats are ignored, as in JSON Schema's annotation-only default.
 */
final class StringFormats {
    private StringFormats() {}

    private static final String DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
    private static final String TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])";
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final String H16 = "[0-9a-fA-F]{1,4}";
    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final String ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";

    private static final Map<String, String> PATTERNS = Map.of(
            "date", DATE,
            "time", TIME,
            "date-time", DATE + "T" + TIME,
            "uuid", "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            "ipv4", OCTET + "(\\." + OCTET + "){3}",
            "ipv6", String.join("|",
                    "(" + H16 + ":){7}" + H16,
                    "(" + H16 + ":){1,7}:",
                    "(" + H16 + ":){1,6}:" + H16,
                    "(" + H16 + ":){1,5}(:" + H16 + "){1,2}",
                    "(" + H16 + ":){1,4}(:" + H16 + "){1,3}",
                    "(" + H16 + ":){1,3}(:" + H16 + "){1,4}",
                    "(" + H16 + ":){1,2}(:" + H16 + "){1,5}",
                    H16 + ":(:" + H16 + "){1,6}",
                    ":((:" + H16 + "){1,7}|:)"),
            "hostname", LABEL + "(\\." + LABEL + ")*",
            "email", ATOM + "(\\." + ATOM + ")*@" + LABEL + "(\\." + LABEL + ")+");

    /** The format's regular expression, or null for a format that does not constrain generation. */
    static String pattern(String format) { return PATTERNS.get(format); }

    static java.util.Set<String> names() { return PATTERNS.keySet(); }
}
