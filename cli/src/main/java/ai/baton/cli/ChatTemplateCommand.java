package ai.baton.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code baton chat-template}: a conversation rendered with the tokenizer's chat template and the generation prompt. */
@Command(name = "chat-template", mixinStandardHelpOptions = true, description = "Render chat messages with the model's template.")
final class ChatTemplateCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, description = "directory with tokenizer_config.json") Path dir;
    @Option(names = "--messages", required = true, description = "messages as JSON") String messages;
    @Option(names = "--kwargs", description = "extra template variables as a JSON object") String kwargs;

    @Override
    public Integer call() {
        System.out.println(Json.write(Map.of("rendered", PromptInput.render(dir, messages, kwargs))));
        return 0;
    }
}
