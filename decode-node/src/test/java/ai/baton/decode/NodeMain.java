package ai.baton.decode;

import ai.baton.prefill.PrefillNodeCommand;
import picocli.CommandLine;

import java.util.Arrays;

/** Runs a node command in its own JVM for process tests, with the launcher's one-line error handling. */
public final class NodeMain {
    public static void main(String[] args) {
        CommandLine cl = new CommandLine("prefill-node".equals(args[0]) ? new PrefillNodeCommand() : new DecodeNodeCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("baton " + cmd.getCommandName() + ": " + String.valueOf(ex.getMessage()).replace('\n', ' '));
            return 1;
        });
        System.exit(cl.execute(Arrays.copyOfRange(args, 1, args.length)));
    }
}
