package ai.baton.router.cluster;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start another Baton process: the java binary of this one, its JVM flags (with the Vector API and native
 * access flags nodes need), and the same jar or classpath and main class; or the command in BATON_LAUNCHER (split
 * on whitespace) when set.
 */
public record Launcher(List<String> prefix) {
    static final List<String> REQUIRED_FLAGS = List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED");

    public Launcher {
        prefix = List.copyOf(prefix);
    }

    public static Launcher forCurrentProcess() {
        String env = System.getenv("BATON_LAUNCHER");
        if (env != null && !env.isBlank()) return new Launcher(List.of(env.trim().split("\\s+")));
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String a : jvm) {
            // Debug agents would clash on their port; the classpath is passed explicitly below.
            if (a.startsWith("-agentlib") || a.startsWith("-javaagent") || a.startsWith("-Djava.class.path")) continue;
            cmd.add(a);
        }
        for (String f : REQUIRED_FLAGS) if (!hasFlag(jvm, f)) cmd.add(f);
        String command = System.getProperty("sun.java.command", "").trim();
        // sun.java.command is "<jar or main class> <args...>"; a jar path may contain spaces.
        int jar = command.indexOf(".jar");
        String main = jar > 0 && (jar + 4 == command.length() || command.charAt(jar + 4) == ' ')
                ? command.substring(0, jar + 4) : command.isEmpty() ? "" : command.split("\\s+")[0];
        if (main.endsWith(".jar")) {
            cmd.add("-jar");
            cmd.add(main);
        } else {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(main);
        }
        return new Launcher(cmd);
    }

    /** A launcher running {@code mainClass} with this JVM's binary and classpath (tests use it). */
    public static Launcher forMainClass(String mainClass) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(REQUIRED_FLAGS);
        cmd.addAll(List.of("-Xss8m", "-cp", System.getProperty("java.class.path"), mainClass));
        return new Launcher(cmd);
    }

    private static boolean hasFlag(List<String> jvm, String flag) {
        String name = flag.substring(0, flag.indexOf('='));
        String value = flag.substring(flag.indexOf('=') + 1);
        for (int i = 0; i < jvm.size(); i++) {
            String a = jvm.get(i);
            if (a.equals(flag) || (a.startsWith(name + "=") && a.contains(value))) return true;
            if (a.equals(name) && i + 1 < jvm.size() && jvm.get(i + 1).contains(value)) return true;
        }
        return false;
    }

    public List<String> command(List<String> args) {
        List<String> c = new ArrayList<>(prefix);
        c.addAll(args);
        return c;
    }
}
