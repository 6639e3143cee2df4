package dev.era.api;

/**
 * How strongly the work is separated from the host and from other work.
 *
 * @param mode    {@link Mode#NONE}: a plain host process (apps); {@link Mode#SANDBOX}: namespaces,
 *                a private filesystem view, an unprivileged user, a seccomp filter (hostile code)
 * @param network {@link Network#NONE}: no network at all (loopback only); {@link Network#HOST}: the host's
 */
public record Isolation(Mode mode, Network network) {
    public enum Mode { NONE, SANDBOX }

    public enum Network { NONE, HOST }

    public static final Isolation NONE = new Isolation(Mode.NONE, Network.HOST);
    public static final Isolation SANDBOX = new Isolation(Mode.SANDBOX, Network.NONE);

    public boolean sandboxed() {
        return mode == Mode.SANDBOX;
    }
}
