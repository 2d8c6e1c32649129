package ai.baton.engine.template;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's datetime.strftime in the C locale, including the glibc extensions templates use
 * ({@code %-d} without padding, {@code %e}). Backs the strftime_now global (Llama 3.x dates).
 */
final class Strftime {
    private Strftime() {}

    static String format(ZonedDateTime t, String fmt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            boolean noPad = false;
            if ((d == '-') && i + 1 < fmt.length()) {
                noPad = true;
                d = fmt.charAt(++i);
            }
            String v = directive(t, d);
            if (v == null) {
                sb.append('%').append(noPad ? "-" : "").append(d);
                continue;
            }
            if (noPad) v = v.replaceFirst("^[0 ]+(?=.)", "");
            sb.append(v);
        }
        return sb.toString();
    }

    private static String pad(long v, int width) {
        String s = Long.toString(v);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    private static String spacePad(long v, int width) {
        String s = Long.toString(v);
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    private static String directive(ZonedDateTime t, char d) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        return switch (d) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'd' -> pad(t.getDayOfMonth(), 2);
            case 'e' -> spacePad(t.getDayOfMonth(), 2);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'm' -> pad(t.getMonthValue(), 2);
            case 'y' -> pad(t.getYear() % 100, 2);
            case 'Y' -> Integer.toString(t.getYear());
            case 'C' -> pad(t.getYear() / 100, 2);
            case 'H' -> pad(t.getHour(), 2);
            case 'k' -> spacePad(t.getHour(), 2);
            case 'I' -> pad(hour12, 2);
            case 'l' -> spacePad(hour12, 2);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'M' -> pad(t.getMinute(), 2);
            case 'S' -> pad(t.getSecond(), 2);
            case 'f' -> pad(t.getNano() / 1000, 6);
            case 'z' -> {
                int secs = t.getOffset().getTotalSeconds();
                String sign = secs < 0 ? "-" : "+";
                secs = Math.abs(secs);
                yield sign + pad(secs / 3600, 2) + pad((secs / 60) % 60, 2);
            }
            case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'j' -> pad(t.getDayOfYear(), 3);
            case 'U' -> pad((t.getDayOfYear() + 6 - (t.getDayOfWeek().getValue() % 7)) / 7, 2);
            case 'W' -> pad((t.getDayOfYear() + 6 - ((t.getDayOfWeek().getValue() + 6) % 7)) / 7, 2);
            case 'V' -> pad(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2);
            case 'G' -> Integer.toString(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'c' -> directive(t, 'a') + " " + directive(t, 'b') + " " + directive(t, 'e') + " "
                    + directive(t, 'H') + ":" + directive(t, 'M') + ":" + directive(t, 'S') + " " + directive(t, 'Y');
            case 'x', 'D' -> directive(t, 'm') + "/" + directive(t, 'd') + "/" + directive(t, 'y');
            case 'X', 'T' -> directive(t, 'H') + ":" + directive(t, 'M') + ":" + directive(t, 'S');
            case 'F' -> directive(t, 'Y') + "-" + directive(t, 'm') + "-" + directive(t, 'd');
            case 'R' -> directive(t, 'H') + ":" + directive(t, 'M');
            case 's' -> Long.toString(t.toEpochSecond());
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            default -> null;
        };
    }
}
