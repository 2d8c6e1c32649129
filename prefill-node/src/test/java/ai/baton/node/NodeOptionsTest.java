package ai.baton.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** --gpus on the nodes: parsed into the engine config, checked against --tp and --backend in one line. */
class NodeOptionsTest {
    @CommandLine.Command(name = "node")
    static final class Cmd {
        @CommandLine.Mixin NodeOptions node;
    }

    private static NodeOptions parse(Path model, String... args) {
        Cmd c = new Cmd();
        String[] all = new String[args.length + 2];
        all[0] = "--model";
        all[1] = model.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(c).parseArgs(all);
        return c.node;
    }

    @Test
    void gpuListReachesTheEngineConfig(@TempDir Path model) throws Exception {
        Files.writeString(model.resolve("config.json"), "{}");
        NodeOptions o = parse(model, "--backend", "cuda", "--tp", "2", "--gpus", "1,0");
        o.validate();
        assertEquals(List.of(1, 0), o.engineConfig().gpus());
        assertEquals(List.of(), parse(model, "--backend", "cuda", "--tp", "2").engineConfig().gpus());
    }

    @Test
    void badListsAreRejected(@TempDir Path model) throws Exception {
        Files.writeString(model.resolve("config.json"), "{}");
        assertEquals("--gpus needs --backend cuda",
                assertThrows(IllegalArgumentException.class, () -> parse(model, "--tp", "2", "--gpus", "0,1").validate()).getMessage());
        assertEquals("--gpus names 3 device(s) but --tp is 2: give one GPU per rank",
                assertThrows(IllegalArgumentException.class, () -> parse(model, "--backend", "cuda", "--tp", "2", "--gpus", "0,1,2").validate()).getMessage());
    }
}
