package ai.baton.engine.weights;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes tensors as one .safetensors file (header JSON padded to 8 bytes, then the raw data). */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    public static void write(Path file, List<TensorData> tensors) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (TensorData t : tensors) {
            long bytes = t.data().byteSize();
            header.put(t.name(), Map.of("dtype", t.dtype().safetensorsName(), "shape", t.shape(),
                    "data_offsets", List.of(offset, offset + bytes)));
            offset += bytes;
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            byte[] buf = new byte[1 << 20];
            for (TensorData t : tensors) {
                long n = t.data().byteSize();
                for (long at = 0; at < n; at += buf.length) {
                    int len = (int) Math.min(buf.length, n - at);
                    java.lang.foreign.MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, at, buf, 0, len);
                    out.write(buf, 0, len);
                }
            }
        }
    }
}
