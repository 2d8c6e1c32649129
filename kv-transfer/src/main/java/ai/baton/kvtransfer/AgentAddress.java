package ai.baton.kvtransfer;

import java.util.Base64;
import java.util.Set;

/**
 * How to reach a {@link KvAgent}: its control endpoint (plain TCP: notices, heartbeats), its UCX worker
 * address, where it runs (host and process, for same-host transports) and the transports it can use.
 */
public record AgentAddress(long agentId, String name, String hostId, long pid, String controlHost, int controlPort,
                           Set<TransportKind> transports, byte[] ucxWorkerAddress) {

    public AgentAddress {
        transports = Set.copyOf(transports);
        ucxWorkerAddress = ucxWorkerAddress == null ? new byte[0] : ucxWorkerAddress.clone();
    }

    public boolean sameHost(AgentAddress other) {
        return hostId.equals(other.hostId);
    }

    @Override
    public byte[] ucxWorkerAddress() {
        return ucxWorkerAddress.clone();
    }

    @Override
    public String toString() {
        return "Agent[" + name + " id=" + Long.toHexString(agentId) + " pid=" + pid + " @" + controlHost + ":" + controlPort
                + " " + transports + " ucx=" + Base64.getEncoder().encodeToString(ucxWorkerAddress).length() + "B]";
    }
}
