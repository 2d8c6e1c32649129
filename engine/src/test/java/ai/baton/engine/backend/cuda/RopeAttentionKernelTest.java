package ai.baton.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which decode_rope_attention kernel the host picks, against the instantiations the CUDA source declares (no GPU needed). */
class RopeAttentionKernelTest {

    private static Set<String> declared() throws IOException {
        String src = Files.readString(Path.of("src/main/cuda/decode_rope_attention.cuh"));
        Matcher m = Pattern.compile("(?m)^DECODE_ROPE_ATTENTION_KERNEL\\((\\d+), (\\d+)\\)").matcher(src);
        return m.results().map(r -> "decode_rope_attention_d" + r.group(1) + "_g" + r.group(2)).collect(Collectors.toSet());
    }

    @Test
    void groupsOfOneAndTwoHaveAKernel() {
        assertEquals("decode_rope_attention_d128_g2", Attention.ropeAttentionKernel(128, 2));  // qwen3-0.6b
        assertEquals("decode_rope_attention_d16_g2", Attention.ropeAttentionKernel(16, 2));    // qwen3-tiny
        assertEquals("decode_rope_attention_d256_g1", Attention.ropeAttentionKernel(256, 1));
        assertEquals("decode_rope_attention_d16_g1", Attention.ropeAttentionKernel(16, 1));
    }

    @Test
    void largerGroupsAndOtherHeadDimsHaveNoKernel() {
        assertNull(Attention.ropeAttentionKernel(64, 4));   // llama-3.2-1b: slower fused (170 registers)
        assertNull(Attention.ropeAttentionKernel(128, 3));
        assertNull(Attention.ropeAttentionKernel(8, 1));
        assertNull(Attention.ropeAttentionKernel(48, 1));
        assertNull(Attention.ropeAttentionKernel(512, 1));
        assertNull(Attention.ropeAttentionKernel(16, 0));
    }

    @Test
    void everyKernelTheHostCanPickIsDeclared() throws IOException {
        Set<String> declared = declared();
        assertEquals(10, declared.size(), declared.toString());
        for (int d = 4; d <= 512; d += 4)
            for (int g = 1; g <= 16; g++) {
                String k = Attention.ropeAttentionKernel(d, g);
                if (k != null) assertTrue(declared.contains(k), k + " is not declared in decode_rope_attention.cuh");
            }
    }
}
