package ai.baton.cli;

import ai.baton.engine.EngineException;
import ai.baton.engine.template.ChatTemplate;
import ai.baton.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The three ways to give a prompt: text, token ids, or chat messages rendered with the model's template. */
final class PromptInput {
    @Option(names = "--prompt", description = "prompt text (tokenized with the tokenizer's default special tokens)")
    String text;

    @Option(names = "--prompt-ids", description = "prompt as comma-separated token ids")
    String ids;

    @Option(names = "--messages", description = "chat messages as JSON, rendered with the chat template and the generation prompt")
    String messages;

    @Option(names = "--chat-kwargs", description = "extra chat template variables as a JSON object, e.g. {\"enable_thinking\": false}")
    String kwargs;

    int[] tokens(Tokenizer tokenizer, Path modelDir) {
        int given = (text != null ? 1 : 0) + (ids != null ? 1 : 0) + (messages != null ? 1 : 0);
        if (given != 1) throw new IllegalArgumentException("give exactly one of --prompt, --prompt-ids, --messages");
        if (ids != null) return Json.ids(ids, "--prompt-ids");
        if (tokenizer == null) throw new EngineException("no tokenizer.json in " + modelDir + " (use --prompt-ids)");
        if (text != null) return tokenizer.encode(text, true);
        return tokenizer.encode(render(modelDir, messages, kwargs), false);
    }

    @SuppressWarnings("unchecked")
    static String render(Path tokenizerDir, String messagesJson, String kwargsJson) {
        List<Map<String, Object>> msgs = Json.read(messagesJson, List.class, "--messages");
        Map<String, Object> kw = kwargsJson == null ? Map.of() : Json.read(kwargsJson, Map.class, "--chat-kwargs");
        ChatTemplate t = ChatTemplate.fromTokenizerDir(tokenizerDir)
                .orElseThrow(() -> new EngineException("no chat template in " + tokenizerDir));
        return t.render(msgs, true, kw);
    }
}
