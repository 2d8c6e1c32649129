package ai.baton.cli;

import ai.baton.engine.LlmEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code baton logits}: one forward pass, printing raw logits for comparison with a reference. */
@Command(name = "logits", mixinStandardHelpOptions = true, description = "Print the logits of a prompt as JSON.")
final class LogitsCommand implements Callable<Integer> {
    @Mixin EngineOptions engine;

    @Option(names = "--prompt-ids", required = true, description = "comma-separated token ids") String ids;
    @Option(names = "--all", description = "also print all_logits (every position)") boolean all;

    @Override
    public Integer call() {
        int[] prompt = Json.ids(ids, "--prompt-ids");
        try (LlmEngine e = LlmEngine.open(engine.config())) {
            float[][] logits = e.promptLogits(prompt, all);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("last_logits", logits[logits.length - 1]);
            if (all) out.put("all_logits", logits);
            System.out.println(Json.write(out));
        }
        return 0;
    }
}
