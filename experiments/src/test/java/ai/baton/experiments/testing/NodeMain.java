package ai.baton.experiments.testing;

import ai.baton.decode.DecodeNodeCommand;
import ai.baton.prefill.PrefillNodeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The main of node processes in the end-to-end test (the cli module's Main is downstream of experiments). */
public final class NodeMain {
    @Command(name = "baton")
    static final class Top {}

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Top());
        cl.addSubcommand(new PrefillNodeCommand());
        cl.addSubcommand(new DecodeNodeCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("baton " + cmd.getCommandName() + ": " + ex.getMessage());
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
