package ai.baton.kvtransfer.control;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ControlCodecTest {

    @Test
    void everyMessageRoundTrips() throws Exception {
        List<ControlMessage> msgs = List.of(new ControlMessage.Hello(5, "a"), new ControlMessage.Ping(),
                new ControlMessage.Begin(1, 2, 4, 28, 0), new ControlMessage.Accept(1, 2), new ControlMessage.Layer(1, 2, 3, 4096),
                new ControlMessage.Done(1, 2), new ControlMessage.Abort(1, 2, "boom"), new ControlMessage.Cancel(1, 2, "lease"),
                new ControlMessage.CancelAck(1, 2), new ControlMessage.SlotRequest(1, 2), new ControlMessage.SlotGrant(1, 2, 3),
                new ControlMessage.Staged(1, 2, 3, new long[] {0, 10}, new long[] {100, 200}, new long[] {10, 20}));
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        for (ControlMessage m : msgs) bos.write(ControlCodec.encode(m));
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bos.toByteArray()));
        for (ControlMessage m : msgs) {
            ControlMessage back = ControlCodec.read(in);
            if (m instanceof ControlMessage.Staged s) {
                ControlMessage.Staged b = (ControlMessage.Staged) back;
                assertArrayEquals(s.dstAddresses(), b.dstAddresses());
                assertArrayEquals(s.lengths(), b.lengths());
                assertArrayEquals(s.slotOffsets(), b.slotOffsets());
            } else {
                assertEquals(m, back);
            }
        }
        assertThrows(EOFException.class, () -> ControlCodec.read(in));
    }
}
