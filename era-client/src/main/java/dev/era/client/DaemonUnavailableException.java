package dev.era.client;

/** Nothing accepted the connection: no daemon runs at {@link #target()}. */
public final class DaemonUnavailableException extends EraClientException {
    private final String target;

    public DaemonUnavailableException(String target, Throwable cause) {
        super(0, "unavailable", "no ERA daemon at " + target + " (" + cause.getMessage() + ")", null, cause);
        this.target = target;
    }

    /** The socket path or URL that was tried. */
    public String target() {
        return target;
    }
}
