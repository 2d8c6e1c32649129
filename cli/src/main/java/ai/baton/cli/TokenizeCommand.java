package ai.baton.cli;

import ai.baton.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code baton tokenize}: token ids of a text, no special tokens added. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text as JSON.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, description = "directory with tokenizer.json") Path dir;
    @Option(names = "--text", required = true) String text;

    @Override
    public Integer call() {
        System.out.println(Json.write(Map.of("ids", Tokenizer.load(dir).encode(text, false))));
        return 0;
    }
}
