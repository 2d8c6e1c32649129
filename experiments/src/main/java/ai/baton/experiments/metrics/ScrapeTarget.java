package ai.baton.experiments.metrics;

/** A /metrics URL to scrape around a run, with a name for the result file (router, prefill-0, decode-1, ...). */
public record ScrapeTarget(String name, String url) {
    /** "NAME=URL" or a bare URL (named by its host:port). */
    public static ScrapeTarget parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq > 0 && !spec.substring(0, eq).contains("/")) return new ScrapeTarget(spec.substring(0, eq), spec.substring(eq + 1));
        String name = spec.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
        return new ScrapeTarget(name, spec);
    }

    /**
     * The node's step log beside its /metrics (same port, {@link MetricNames#STEP_LOG_PATH}) as a NAME=URL spec for
     * {@code --step-log-url}, or null when the URL does not end in /metrics.
     */
    public String stepLogSpec() {
        if (!url.endsWith("/metrics")) return null;
        return name + "=" + url.substring(0, url.length() - "/metrics".length()) + MetricNames.STEP_LOG_PATH;
    }

    /** The role a target's name starts with, if any ("prefill", "decode", "router"). */
    public String role() {
        for (String r : new String[]{"router", "prefill", "decode"}) if (name.startsWith(r)) return r;
        return "";
    }
}
