package ai.baton.engine.weights;

import ai.baton.engine.EngineException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One memory-mapped .safetensors file: an 8-byte little-endian header length, a JSON header, then raw tensors.
 * The whole file is one MemorySegment, so there is no 2 GiB limit; tensors are zero-copy slices of it.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final Map<String, TensorData> tensors = new LinkedHashMap<>();

    public SafetensorsFile(Path path) {
        this.path = path;
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            if (file.byteSize() < 8) throw new EngineException("truncated safetensors file " + path);
            long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || 8 + headerLen > file.byteSize())
                throw new EngineException("corrupt safetensors header in " + path);
            byte[] header = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode root = new ObjectMapper().readTree(new String(header, StandardCharsets.UTF_8));
            MemorySegment body = file.asSlice(8 + headerLen);
            for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                DType dtype = DType.fromSafetensors(t.get("dtype").asText());
                JsonNode shapeNode = t.get("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asLong();
                long begin = t.get("data_offsets").get(0).asLong(), end = t.get("data_offsets").get(1).asLong();
                if (end > body.byteSize() || begin > end)
                    throw new EngineException("tensor " + e.getKey() + " lies outside " + path);
                tensors.put(e.getKey(), new TensorData(e.getKey(), dtype, shape, body.asSlice(begin, end - begin)));
            }
        } catch (IOException e) {
            arena.close();
            throw new EngineException("cannot read " + path + ": " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Map<String, TensorData> tensors() { return tensors; }

    public Path path() { return path; }

    @Override
    public void close() { arena.close(); }
}
