package ai.baton.kvtransfer.transport;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StagedPackTest {

    @Test
    void splitsOpsIntoChunksNoLargerThanTheCap() {
        var chunks = StagedTransport.pack(List.of(new CopyOp(0, 1000, 250), new CopyOp(500, 2000, 30)), 100);
        assertEquals(3, chunks.size());
        long total = 0;
        for (var c : chunks) {
            long used = 0;
            for (var p : c) {
                assertEquals(used, p.chunkOffset());
                used += p.length();
                total += p.length();
            }
            assertTrue(used <= 100);
        }
        assertEquals(280, total);
        // The second op starts where the first one's last piece left off in chunk 3.
        assertEquals(250 - 200, chunks.get(2).get(0).length());
        assertEquals(2000, chunks.get(2).get(1).dst());
    }
}
