package ai.baton.kvtransfer;

import java.time.Duration;

/**
 * Per-transfer choices on the send side.
 *
 * @param transport force a transport (null: the best both ends support, see {@link KvAgentConfig.Builder#preference})
 * @param timeout   the whole transfer must finish within this (null: the agent's default)
 */
public record TransferOptions(TransportKind transport, Duration timeout) {
    public static final TransferOptions DEFAULT = new TransferOptions(null, null);

    public static TransferOptions via(TransportKind t) {
        return new TransferOptions(t, null);
    }
}
