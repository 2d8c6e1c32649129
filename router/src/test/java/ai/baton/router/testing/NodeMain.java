package ai.baton.router.testing;

import ai.baton.decode.DecodeNodeCommand;
import ai.baton.prefill.PrefillNodeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** A launcher main for node processes in tests (the cli module's Main is not on the router's classpath). */
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
