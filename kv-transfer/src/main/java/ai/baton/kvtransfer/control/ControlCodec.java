package ai.baton.kvtransfer.control;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Frames: an int length, then a type byte and the fields of one {@link ControlMessage}. */
public final class ControlCodec {
    private ControlCodec() {}

    public static final int MAX_FRAME = 16 << 20;

    public static byte[] encode(ControlMessage m) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bos);
            out.writeInt(0); // length placeholder
            switch (m) {
                case ControlMessage.Hello h -> {
                    out.writeByte(1);
                    out.writeLong(h.agentId());
                    out.writeUTF(h.name());
                }
                case ControlMessage.Ping p -> out.writeByte(2);
                case ControlMessage.Begin b -> {
                    out.writeByte(3);
                    out.writeLong(b.transferId());
                    out.writeInt(b.srcRank());
                    out.writeInt(b.srcTp());
                    out.writeInt(b.numLayers());
                    out.writeByte(b.transport());
                }
                case ControlMessage.Accept a -> {
                    out.writeByte(4);
                    out.writeLong(a.transferId());
                    out.writeInt(a.srcRank());
                }
                case ControlMessage.Layer l -> {
                    out.writeByte(5);
                    out.writeLong(l.transferId());
                    out.writeInt(l.srcRank());
                    out.writeInt(l.layer());
                    out.writeLong(l.bytes());
                }
                case ControlMessage.Done d -> {
                    out.writeByte(6);
                    out.writeLong(d.transferId());
                    out.writeInt(d.srcRank());
                }
                case ControlMessage.Abort a -> {
                    out.writeByte(7);
                    out.writeLong(a.transferId());
                    out.writeInt(a.srcRank());
                    out.writeUTF(trim(a.reason()));
                }
                case ControlMessage.Cancel c -> {
                    out.writeByte(8);
                    out.writeLong(c.transferId());
                    out.writeInt(c.srcRank());
                    out.writeUTF(trim(c.reason()));
                }
                case ControlMessage.CancelAck c -> {
                    out.writeByte(9);
                    out.writeLong(c.transferId());
                    out.writeInt(c.srcRank());
                }
                case ControlMessage.SlotRequest s -> {
                    out.writeByte(10);
                    out.writeLong(s.transferId());
                    out.writeInt(s.srcRank());
                }
                case ControlMessage.SlotGrant s -> {
                    out.writeByte(11);
                    out.writeLong(s.transferId());
                    out.writeInt(s.srcRank());
                    out.writeInt(s.slot());
                }
                case ControlMessage.Staged s -> {
                    out.writeByte(12);
                    out.writeLong(s.transferId());
                    out.writeInt(s.srcRank());
                    out.writeInt(s.slot());
                    out.writeInt(s.lengths().length);
                    for (int i = 0; i < s.lengths().length; i++) {
                        out.writeLong(s.slotOffsets()[i]);
                        out.writeLong(s.dstAddresses()[i]);
                        out.writeLong(s.lengths()[i]);
                    }
                }
            }
            out.flush();
            byte[] frame = bos.toByteArray();
            int len = frame.length - 4;
            frame[0] = (byte) (len >>> 24);
            frame[1] = (byte) (len >>> 16);
            frame[2] = (byte) (len >>> 8);
            frame[3] = (byte) len;
            return frame;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads one frame; throws EOFException when the peer closed the connection. */
    public static ControlMessage read(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len <= 0 || len > MAX_FRAME) throw new IOException("bad control frame length " + len);
        int type = in.readUnsignedByte();
        return switch (type) {
            case 1 -> new ControlMessage.Hello(in.readLong(), in.readUTF());
            case 2 -> new ControlMessage.Ping();
            case 3 -> new ControlMessage.Begin(in.readLong(), in.readInt(), in.readInt(), in.readInt(), in.readUnsignedByte());
            case 4 -> new ControlMessage.Accept(in.readLong(), in.readInt());
            case 5 -> new ControlMessage.Layer(in.readLong(), in.readInt(), in.readInt(), in.readLong());
            case 6 -> new ControlMessage.Done(in.readLong(), in.readInt());
            case 7 -> new ControlMessage.Abort(in.readLong(), in.readInt(), in.readUTF());
            case 8 -> new ControlMessage.Cancel(in.readLong(), in.readInt(), in.readUTF());
            case 9 -> new ControlMessage.CancelAck(in.readLong(), in.readInt());
            case 10 -> new ControlMessage.SlotRequest(in.readLong(), in.readInt());
            case 11 -> new ControlMessage.SlotGrant(in.readLong(), in.readInt(), in.readInt());
            case 12 -> {
                long id = in.readLong();
                int rank = in.readInt();
                int slot = in.readInt();
                int n = in.readInt();
                if (n < 0 || n > MAX_FRAME / 24) throw new IOException("bad piece count " + n);
                long[] off = new long[n], dst = new long[n], lens = new long[n];
                for (int i = 0; i < n; i++) {
                    off[i] = in.readLong();
                    dst[i] = in.readLong();
                    lens[i] = in.readLong();
                }
                yield new ControlMessage.Staged(id, rank, slot, off, dst, lens);
            }
            default -> throw new IOException("unknown control message type " + type);
        };
    }

    private static String trim(String s) {
        if (s == null) return "";
        return s.length() > 1000 ? s.substring(0, 1000) : s;
    }
}
