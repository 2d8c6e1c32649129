package ai.baton.cli;

import picocli.CommandLine;

/** The list of subcommands, in the order {@code baton --help} shows them. */
final class Commands {
    private Commands() {}

    static void register(CommandLine cl) {
        cl.addSubcommand(new ai.baton.router.cluster.DemoCommand());
        cl.addSubcommand(new ai.baton.router.cluster.UpCommand());
        cl.addSubcommand(new ai.baton.router.RouterCommand());
        cl.addSubcommand(new GenerateCommand());
        cl.addSubcommand(new LogitsCommand());
        cl.addSubcommand(new TokenizeCommand());
        cl.addSubcommand(new ChatTemplateCommand());
        cl.addSubcommand(new ai.baton.prefill.PrefillNodeCommand());
        cl.addSubcommand(new ai.baton.decode.DecodeNodeCommand());
        cl.addSubcommand(new ai.baton.kvtransfer.bench.KvBenchCommand());
        cl.addSubcommand(new ai.baton.experiments.cpubench.CpuBenchCommand());
        cl.addSubcommand(new ai.baton.experiments.specbench.SpecBenchCommand());
        cl.addSubcommand(new ai.baton.experiments.offloadbench.OffloadBenchCommand());
        cl.addSubcommand(new ai.baton.experiments.logitbench.LogitBenchCommand());
        cl.addSubcommand(new ai.baton.experiments.enginebench.EngineBenchCommand());
        cl.addSubcommand(new ai.baton.experiments.enginebench.CudaCheckCommand());
        cl.addSubcommand(new ai.baton.experiments.allreduce.AllReduceBenchCommand());
        cl.addSubcommand(new ai.baton.experiments.allreduce.TpCheckCommand());
        cl.addSubcommand(new ai.baton.experiments.bench.BenchCommand());
        cl.addSubcommand(new ai.baton.experiments.sweep.SweepCommand());
        cl.addSubcommand(new ai.baton.experiments.plot.PlotCommand());
    }
}
