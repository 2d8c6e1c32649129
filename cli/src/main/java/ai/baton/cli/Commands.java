package ai.baton.cli;

import picocli.CommandLine;

/** The list of subcommands, in the order {@code baton --help} shows them. */
final class Commands {
    private Commands() {}

    static void register(CommandLine cl) {
    }
}
