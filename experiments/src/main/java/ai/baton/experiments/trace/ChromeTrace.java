package ai.baton.experiments.trace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Chrome trace-event JSON file (the "JSON Object Format" that chrome://tracing and ui.perfetto.dev open):
 * complete events ("X") with microsecond timestamps and durations, instants ("i"), and names for processes and
 * threads ("M") so each node and each lane gets a labelled track.
 */
public final class ChromeTrace {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ArrayNode events = JSON.createArrayNode();

    public ObjectNode complete(String name, String cat, int pid, int tid, double tsUs, double durUs) {
        ObjectNode e = events.addObject();
        e.put("name", name);
        e.put("cat", cat);
        e.put("ph", "X");
        e.put("ts", tsUs);
        e.put("dur", Math.max(0, durUs));
        e.put("pid", pid);
        e.put("tid", tid);
        return e.putObject("args");
    }

    public ObjectNode instant(String name, String cat, int pid, int tid, double tsUs) {
        ObjectNode e = events.addObject();
        e.put("name", name);
        e.put("cat", cat);
        e.put("ph", "i");
        e.put("s", "t");
        e.put("ts", tsUs);
        e.put("pid", pid);
        e.put("tid", tid);
        return e.putObject("args");
    }

    /** A counter track ("C"): one value series per key of args. */
    public ObjectNode counter(String name, int pid, double tsUs) {
        ObjectNode e = events.addObject();
        e.put("name", name);
        e.put("ph", "C");
        e.put("ts", tsUs);
        e.put("pid", pid);
        return e.putObject("args");
    }

    public void processName(int pid, String name) {
        ObjectNode e = events.addObject();
        e.put("name", "process_name");
        e.put("ph", "M");
        e.put("pid", pid);
        e.putObject("args").put("name", name);
    }

    public void threadName(int pid, int tid, String name) {
        ObjectNode e = events.addObject();
        e.put("name", "thread_name");
        e.put("ph", "M");
        e.put("pid", pid);
        e.put("tid", tid);
        e.putObject("args").put("name", name);
    }

    public int size() { return events.size(); }

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.set("traceEvents", events);
        root.put("displayTimeUnit", "ms");
        return root;
    }

    public void write(Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        JSON.writeValue(file.toFile(), toJson());
    }
}
