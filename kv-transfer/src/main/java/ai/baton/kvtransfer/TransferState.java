package ai.baton.kvtransfer;

/**
 * Life of a transfer, on either side. Only {@link #DONE} and {@link #FAILED} are final.
 *
 * <ul>
 *   <li>{@link #BOOTSTRAPPING}: sender connects to the receiver and waits for it to admit the transfer.</li>
 *   <li>{@link #WAITING}: nothing in flight; the sender waits for the next layer, the receiver for data.</li>
 *   <li>{@link #TRANSFERRING}: bytes are moving.</li>
 * </ul>
 */
public enum TransferState {
    BOOTSTRAPPING,
    WAITING,
    TRANSFERRING,
    DONE,
    FAILED;

    public boolean isFinal() {
        return this == DONE || this == FAILED;
    }
}
