package ai.baton.engine.guide;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.UUID;

/**
 * String formats checked without regular expressions (java.time, UUID, InetAddress and hand-written label rules),
 * to check the guide's built-in format patterns against. Unknown formats pass. Day numbers are resolved leniently
 * (the guide does not check them against the month).
 */
final class FormatCheck {
    private FormatCheck() {}

    static boolean valid(String format, String s) {
        return switch (format) {
            case "date" -> parses(() -> LocalDate.parse(s, DateTimeFormatter.ISO_LOCAL_DATE.withResolverStyle(ResolverStyle.SMART)));
            case "time" -> parses(() -> OffsetTime.parse(s, DateTimeFormatter.ISO_OFFSET_TIME));
            case "date-time" -> s.indexOf('T') == 10 && parses(() -> OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME.withResolverStyle(ResolverStyle.SMART)));
            case "uuid" -> s.length() == 36 && parses(() -> UUID.fromString(s));
            case "ipv4" -> ipv4(s);
            case "ipv6" -> s.indexOf(':') >= 0 && s.chars().allMatch(c -> c == ':' || Character.digit(c, 16) >= 0) && parses(() -> {
                if (!(InetAddress.getByName(s) instanceof Inet6Address)) throw new IllegalArgumentException();
            });
            case "hostname" -> hostname(s, 1);
            case "email" -> email(s);
            default -> true;
        };
    }

    interface Parse { void run() throws Exception; }

    private static boolean parses(Parse p) {
        try {
            p.run();
            return true;
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return false;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) return false;
            for (char c : p.toCharArray()) if (c < '0' || c > '9') return false;
            if (Integer.parseInt(p) > 255) return false;
        }
        return true;
    }

    /** Dot-separated labels of 1..63 ASCII letters, digits and inner hyphens; at least minLabels of them. */
    private static boolean hostname(String s, int minLabels) {
        String[] labels = s.split("\\.", -1);
        if (labels.length < minLabels) return false;
        for (String l : labels) {
            if (l.isEmpty() || l.length() > 63 || l.startsWith("-") || l.endsWith("-")) return false;
            for (char c : l.toCharArray()) if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '-'))) return false;
        }
        return true;
    }

    private static boolean email(String s) {
        int at = s.lastIndexOf('@');
        if (at <= 0 || s.indexOf('@') != at) return false;
        String local = s.substring(0, at);
        for (String atom : local.split("\\.", -1)) {
            if (atom.isEmpty()) return false;
            for (char c : atom.toCharArray()) if (!(c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+/=?^_`{|}~-".indexOf(c) >= 0))) return false;
        }
        return hostname(s.substring(at + 1), 2);
    }
}
