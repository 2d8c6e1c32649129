package ai.baton.experiments.offloadbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** offload-bench on the CPU: the third kind of hit really comes from the tier, and the JSON says how much. */
class OffloadBenchTest {
    @Test
    void aRepeatedPromptIsServedFromTheTierAfterEviction(@TempDir Path tmp) throws Exception {
        Path config = Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures")).resolve("qwen3-tiny/config.json");
        Path json = tmp.resolve("offload.json");
        int rc = new CommandLine(new OffloadBenchCommand()).execute("--config", config.toString(), "--backend", "cpu",
                "--threads", "1", "--prompt-len", "64", "--rounds", "1", "--kv-offload-mib", "1", "--json", json.toString());
        assertEquals(0, rc);
        JsonNode row = new ObjectMapper().readTree(json.toFile()).path("rows").get(0);
        assertEquals(64, row.path("prompt_len").asInt());
        assertEquals("1/1", row.path("tier_token_equals_pool_hit").asText());
        assertEquals(48, row.path("tier_hit_tokens").asInt(), "the 3 full blocks before the last prompt token, all from the tier");
        assertEquals(3 * 8192, row.path("copied_back_bytes").asLong(), "3 slots of 2 layers x K, V x 2 KiB");
        assertTrue(row.path("saved_bytes_same_step").asLong() > 0, "loading p displaced the last prompt's blocks into the tier");
        assertTrue(row.path("copy_floor_ms").asDouble() > 0);
    }
}
