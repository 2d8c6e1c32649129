package ai.baton.experiments.logitbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** logit-bench on the CPU (text fixture: real Qwen3 tokenizer): every variant runs both ways, with the same tokens. */
class LogitBenchTest {
    @Test
    void everyVariantRunsBothWaysWithTheSameTokens(@TempDir Path tmp) throws Exception {
        Path dir = Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures")).resolve("qwen3-text-tiny");
        Path json = tmp.resolve("logit.json");
        int rc = new CommandLine(new LogitBenchCommand()).execute("--model", dir.toString(), "--threads", "1",
                "--batch", "1,3", "--prompt-len", "16", "--max-tokens", "6", "--json", json.toString());
        assertEquals(0, rc);
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).path("results");
        List<String> seen = new ArrayList<>();
        for (JsonNode r : rows) {
            seen.add(r.path("variant").asText() + "@" + r.path("batch").asInt());
            assertEquals(r.path("batch").asInt(), r.path("outputs_equal_to_host").asInt(), r.toString());
            assertEquals(5, r.path("decode_steps").asInt(), "every request runs max_tokens: " + r);
            assertTrue(r.path("device_ms_per_step").asDouble() > 0 && r.path("device_plain_ms_per_step").asDouble() > 0);
        }
        assertEquals(List.of("plain@1", "plain@3", "penalties@1", "penalties@3", "logit_bias@1", "logit_bias@3",
                "guided_regex@1", "guided_regex@3", "logprobs_5@1", "logprobs_5@3", "logprobs_20@1", "logprobs_20@3", "penalties_lp5@1", "penalties_lp5@3"), seen);
        for (JsonNode lp : List.of(rows.get(rows.size() - 5), rows.get(rows.size() - 3), rows.get(rows.size() - 1))) {
            assertEquals(0.0, lp.path("logprob_max_abs_diff").asDouble(), "the CPU computes logprobs one way: " + lp);
            assertEquals(lp.path("logprobs_compared").asInt(), lp.path("rank_and_top_ids_equal").asInt());
        }
    }
}
