package ai.baton.kvtransfer;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PeerDescriptorTest {

    @Test
    void roundTripsThroughBytes() {
        KvPoolLayout layout = new KvPoolLayout(3, 64, 16, 8, 128, 2, KvLayout.HND, 1, 2);
        AgentAddress a = new AgentAddress(0x1234567890abcdefL, "decode-0", "host/boot", 4242, "10.0.0.7", 40123,
                EnumSet.of(TransportKind.UCX, TransportKind.STAGED), new byte[] {1, 2, 3, 4, 5});
        PoolDescriptor p = new PoolDescriptor(layout, MemoryKind.CUDA, "uuid-1", new long[] {100, 200, 300}, new long[] {150, 250, 350},
                List.of(new RemoteChunk(100, 1000, new byte[] {9, 9}, new byte[64]), new RemoteChunk(5000, 10, null, null)),
                new StagingInfo(1 << 20, 4096, 8, new byte[] {7}));
        PeerDescriptor d = new PeerDescriptor(a, p, 77, new int[] {5, 3, 9});
        byte[] bytes = d.toBytes();
        PeerDescriptor back = PeerDescriptor.fromBytes(bytes);
        assertArrayEquals(bytes, back.toBytes());
        assertEquals(layout, back.pool().layout());
        assertEquals(a.name(), back.agent().name());
        assertEquals(a.transports(), back.agent().transports());
        assertArrayEquals(new int[] {5, 3, 9}, back.blocks());
        assertEquals(77, back.transferId());
        assertEquals(8, back.pool().staging().slots());
        assertTrue(back.pool().chunks().get(0).hasIpcHandle());
        assertFalse(back.pool().chunks().get(1).hasRkey());
        assertEquals(d.toBase64(), PeerDescriptor.fromBase64(d.toBase64()).toBase64());
        assertTrue(bytes.length < 400, "compact: " + bytes.length + " bytes");
    }

    @Test
    void chunkLookup() {
        PoolDescriptor p = new PoolDescriptor(KvPoolLayout.of(1, 1, 1, 1, 1, 1, KvLayout.HND), MemoryKind.HOST, "", new long[] {0}, new long[] {0},
                List.of(new RemoteChunk(100, 50, new byte[] {1}, null), new RemoteChunk(200, 50, new byte[] {2}, null)), null);
        assertEquals(200, p.chunkFor(210, 40).base());
        assertThrows(KvTransferException.class, () -> p.chunkFor(140, 20));
        assertThrows(IllegalArgumentException.class, () -> PeerDescriptor.fromBytes(new byte[] {1, 2, 3, 4}));
    }
}
