package ai.baton.kvtransfer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The one message a receiver (decode rank) hands a sender (prefill rank): how to reach the receiver's agent,
 * its pool, and for this request the transfer id and the reserved destination blocks, in request order.
 * Serializes to a compact byte array (carried later inside Protobuf messages).
 */
public record PeerDescriptor(AgentAddress agent, PoolDescriptor pool, long transferId, int[] blocks) {
    private static final int MAGIC = 0x424b5631; // "BKV1"

    public PeerDescriptor {
        blocks = blocks.clone();
    }

    @Override
    public int[] blocks() {
        return blocks.clone();
    }

    public int blockCount() {
        return blocks.length;
    }

    int block(int i) {
        return blocks[i];
    }

    public PeerDescriptor withTransferId(long id) {
        return new PeerDescriptor(agent, pool, id, blocks);
    }

    public PeerDescriptor withBlocks(int[] b) {
        return new PeerDescriptor(agent, pool, transferId, b);
    }

    public String toBase64() {
        return Base64.getEncoder().encodeToString(toBytes());
    }

    public static PeerDescriptor fromBase64(String s) {
        return fromBytes(Base64.getDecoder().decode(s.trim()));
    }

    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(512);
            DataOutputStream out = new DataOutputStream(bos);
            out.writeInt(MAGIC);
            out.writeLong(agent.agentId());
            out.writeUTF(agent.name());
            out.writeUTF(agent.hostId());
            out.writeLong(agent.pid());
            out.writeUTF(agent.controlHost());
            out.writeShort(agent.controlPort());
            int mask = 0;
            for (TransportKind k : agent.transports()) mask |= 1 << k.ordinal();
            out.writeByte(mask);
            writeBytes(out, agent.ucxWorkerAddress());
            KvPoolLayout l = pool.layout();
            out.writeInt(l.numLayers());
            out.writeInt(l.numBlocks());
            out.writeInt(l.blockSize());
            out.writeInt(l.totalKvHeads());
            out.writeInt(l.headDim());
            out.writeByte(l.elementBytes());
            out.writeByte(l.layout().ordinal());
            out.writeShort(l.tpRank());
            out.writeShort(l.tpSize());
            out.writeByte(pool.memory().ordinal());
            out.writeUTF(pool.deviceId());
            for (int i = 0; i < l.numLayers(); i++) {
                out.writeLong(pool.regionBase(i, true));
                out.writeLong(pool.regionBase(i, false));
            }
            out.writeShort(pool.chunks().size());
            for (RemoteChunk c : pool.chunks()) {
                out.writeLong(c.base());
                out.writeLong(c.length());
                writeBytes(out, c.rkey());
                writeBytes(out, c.cudaIpcHandle());
            }
            StagingInfo s = pool.staging();
            out.writeBoolean(s != null);
            if (s != null) {
                out.writeLong(s.base());
                out.writeLong(s.slotBytes());
                out.writeInt(s.slots());
                writeBytes(out, s.rkey());
            }
            out.writeLong(transferId);
            out.writeInt(blocks.length);
            for (int b : blocks) out.writeInt(b);
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PeerDescriptor fromBytes(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readInt() != MAGIC) throw new IllegalArgumentException("not a KV peer descriptor");
            long agentId = in.readLong();
            String name = in.readUTF();
            String hostId = in.readUTF();
            long pid = in.readLong();
            String host = in.readUTF();
            int port = in.readUnsignedShort();
            int mask = in.readUnsignedByte();
            Set<TransportKind> kinds = EnumSet.noneOf(TransportKind.class);
            for (TransportKind k : TransportKind.values()) if ((mask & (1 << k.ordinal())) != 0) kinds.add(k);
            byte[] ucx = readBytes(in);
            AgentAddress agent = new AgentAddress(agentId, name, hostId, pid, host, port, kinds, ucx);
            int layers = in.readInt();
            KvPoolLayout layout = new KvPoolLayout(layers, in.readInt(), in.readInt(), in.readInt(), in.readInt(),
                    in.readUnsignedByte(), KvLayout.values()[in.readUnsignedByte()], in.readUnsignedShort(), in.readUnsignedShort());
            MemoryKind mem = MemoryKind.values()[in.readUnsignedByte()];
            String deviceId = in.readUTF();
            long[] k = new long[layers];
            long[] v = new long[layers];
            for (int i = 0; i < layers; i++) {
                k[i] = in.readLong();
                v[i] = in.readLong();
            }
            int nChunks = in.readUnsignedShort();
            List<RemoteChunk> chunks = new ArrayList<>(nChunks);
            for (int i = 0; i < nChunks; i++) {
                chunks.add(new RemoteChunk(in.readLong(), in.readLong(), readBytes(in), readBytes(in)));
            }
            StagingInfo staging = null;
            if (in.readBoolean()) staging = new StagingInfo(in.readLong(), in.readLong(), in.readInt(), readBytes(in));
            long transferId = in.readLong();
            int[] blocks = new int[in.readInt()];
            for (int i = 0; i < blocks.length; i++) blocks[i] = in.readInt();
            return new PeerDescriptor(agent, new PoolDescriptor(layout, mem, deviceId, k, v, chunks, staging), transferId, blocks);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated KV peer descriptor", e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeShort(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return b;
    }
}
