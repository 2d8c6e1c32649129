package ai.baton.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gives a one-line message that names the problem and a non-zero exit, never a stack trace. */
class BadInputTest {
    private static final String QWEN = CliRunner.fixtures().resolve("qwen3-tiny").toString();

    private static void assertOneLineError(CliRunner.Result r, String mustContain) {
        assertNotEquals(0, r.exit(), "exit code");
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains(mustContain), "'" + err + "' should mention '" + mustContain + "'");
        assertTrue(!err.contains("Exception") && !err.contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void unknownArchitecture(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"MambaForCausalLM\"], \"hidden_size\": 8}");
        assertOneLineError(CliRunner.run("generate", "--model", dir.toString(), "--prompt-ids", "1"), "MambaForCausalLM");
    }

    @Test
    void missingFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        assertOneLineError(CliRunner.run("generate", "--model", dir.resolve("nope").toString(), "--prompt-ids", "1"), "not found");
        assertOneLineError(CliRunner.run("generate", "--model", dir.toString(), "--prompt-ids", "1"), "config.json");
        Files.copy(Path.of(QWEN, "config.json"), dir.resolve("config.json"));
        assertOneLineError(CliRunner.run("generate", "--model", dir.toString(), "--prompt-ids", "1"), "model.safetensors");
    }

    @Test
    void missingTensorIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.copy(Path.of(QWEN, "config.json"), dir.resolve("config.json"));
        // A valid safetensors file holding only one tensor.
        String header = "{\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] h = header.getBytes();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putFloat(1f);
        Files.write(dir.resolve("model.safetensors"), b.array());
        assertOneLineError(CliRunner.run("generate", "--model", dir.toString(), "--prompt-ids", "1"), "model.embed_tokens.weight");
    }

    @Test
    void badSpeculativeConfig() {
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--speculative-config",
                "{\"method\": \"eagle\", \"num_speculative_tokens\": 2}"), "method \"eagle\" is not supported");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--speculative-config", "{ngram"), "not valid JSON");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--speculative-config",
                "{\"num_speculative_tokens\": 2, \"prompt_lookup_min\": 0}"), "prompt_lookup_min must be >= 1");
    }

    @Test
    void badSchedulingPolicy() {
        assertOneLineError(CliRunner.run("decode-node", "--model", QWEN, "--scheduling-policy", "lifo"),
                "--scheduling-policy must be fcfs or priority, got lifo");
    }

    @Test
    void negativeKvOffload() {
        assertOneLineError(CliRunner.run("prefill-node", "--model", QWEN, "--kv-offload-mib", "-1"), "--kv-offload-mib must be >= 0");
    }

    @Test
    void promptLongerThanContext() {
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--kv-blocks", "2", "--block-size", "4",
                "--prompt-ids", "1,2,3,4,5,6,7,8,9,10"), "maximum context length is 8 tokens");
    }

    @Test
    void badGpuLists() {
        assertOneLineError(CliRunner.run("logits", "--model", QWEN, "--gpus", "0,1", "--tp", "2", "--prompt-ids", "1"), "--gpus needs --backend cuda");
        assertOneLineError(CliRunner.run("logits", "--model", QWEN, "--backend", "cuda", "--tp", "2", "--gpus", "0", "--prompt-ids", "1"),
                "--gpus names 1 device(s) but --tp is 2");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--backend", "cuda", "--tp", "2", "--gpus", "1,1", "--prompt-ids", "1"),
                "device 1 is listed twice");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--backend", "cuda", "--gpus", "first", "--prompt-ids", "1"),
                "--gpus must be a comma-separated list");
    }

    @Test
    void invalidSamplingParameters() {
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--temperature", "-1"), "temperature");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--top-p", "0"), "top_p");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--top-k", "-5"), "top_k");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--max-tokens", "0"), "max_tokens");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--temperature", "abc"), "temperature");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1,x"), "--prompt-ids");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1,99999"), "99999");
    }

    @Test
    void cudaWithoutGpu() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")), "this host has a GPU");
        assertOneLineError(CliRunner.run("generate", "--model", QWEN, "--prompt-ids", "1", "--backend", "cuda"), "CUDA");
    }
}
