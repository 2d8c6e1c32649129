package ai.baton.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./baton}: one picocli command per subcommand. */
@Command(name = "baton", mixinStandardHelpOptions = true, version = "baton 0.1.0",
        description = "Prefill/decode disaggregated LLM serving.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; user errors become one line on stderr. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Commands.register(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("baton " + cmd.getCommandName() + ": " + oneLine(ex));
            if (System.getenv("BATON_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("baton: " + ex.getMessage());
            return 2;
        });
        return cl.execute(args);
    }

    static String oneLine(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName();
        return msg.replace('\n', ' ');
    }
}
