package ai.baton.cli;

import ai.baton.engine.LlmEngine;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.sampling.Penalties;
import ai.baton.engine.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code baton generate}: local generation with one engine, no cluster. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text locally with one engine.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin EngineOptions engine;
    @Mixin PromptInput prompt;

    @Option(names = "--max-tokens", defaultValue = "64") int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default)") double temperature;
    @Option(names = "--top-p", defaultValue = "1") double topP;
    @Option(names = "--top-k", defaultValue = "0") int topK;
    @Option(names = "--min-p", defaultValue = "0") double minP;
    @Option(names = "--seed") Long seed;
    @Option(names = "--stop", description = "stop string (repeatable)") List<String> stop;
    @Option(names = "--ignore-eos") boolean ignoreEos;
    @Option(names = "--presence-penalty", defaultValue = "0", description = "OpenAI's, in [-2, 2]") double presencePenalty;
    @Option(names = "--frequency-penalty", defaultValue = "0", description = "OpenAI's, in [-2, 2]") double frequencyPenalty;
    @Option(names = "--repetition-penalty", defaultValue = "1", description = "Hugging Face's, > 0 (1 = off)") double repetitionPenalty;
    @Option(names = "--json", description = "print {prompt_ids, token_ids, text} as JSON") boolean json;

    @Override
    public Integer call() {
        SamplingParams params = new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, List.of(), stop, ignoreEos, -1)
                .withPenalties(new Penalties(presencePenalty, frequencyPenalty, repetitionPenalty)).validate();
        try (LlmEngine e = LlmEngine.open(engine.config())) {
            int[] ids = prompt.tokens(e.tokenizer(), engine.model);
            List<Integer> tokens = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            String[] error = {null};
            e.submit(null, ids, params, (RequestOutput o) -> {
                if (o.newToken() >= 0) tokens.add(o.newToken());
                text.append(o.textDelta());
                if (!json && !o.textDelta().isEmpty()) System.out.print(o.textDelta());
                if (o.error() != null) error[0] = o.error();
            });
            e.runUntilIdle();
            if (error[0] != null) throw new IllegalStateException(error[0]);
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("prompt_ids", ids);
                out.put("token_ids", tokens);
                out.put("text", text.toString());
                System.out.println(Json.write(out));
            } else {
                System.out.println();
            }
        }
        return 0;
    }
}
