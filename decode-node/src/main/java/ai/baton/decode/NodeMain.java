package ai.baton.decode;

import ai.baton.prefill.PrefillNodeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Runs one node in its own JVM without the cli module: {@code NodeMain prefill-node|decode-node [options]}, for process
 * launchers (and tests) that have only the node jars on their class path. Errors end it with the launcher's one line.
 */
public final class NodeMain {
    @Command(name = "baton")
    static final class Top {}

    private NodeMain() {}

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Top());
        cl.addSubcommand(new PrefillNodeCommand());
        cl.addSubcommand(new DecodeNodeCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("baton " + cmd.getCommandName() + ": " + String.valueOf(ex.getMessage()).replace('\n', ' '));
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
