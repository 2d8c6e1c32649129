package ai.baton.kvtransfer;

/** A transfer failed, timed out, or could not be set up. */
public class KvTransferException extends RuntimeException {
    public KvTransferException(String message) {
        super(message);
    }

    public KvTransferException(String message, Throwable cause) {
        super(message, cause);
    }
}
