package dev.era.daemon;

import dev.era.core.FaultPoints;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for crash tests: the daemon kills itself, as {@code kill -9} would (no shutdown
 * hooks, no flush), at the Nth lifecycle phase boundary it reaches. Armed by the system property
 * {@value #PROPERTY}, read once at start; a daemon started without it has no fault points.
 */
final class HaltAtBoundary implements FaultPoints {
    static final String PROPERTY = "era.faults.haltAt";

    private final int at;
    private final AtomicInteger reached = new AtomicInteger();

    private HaltAtBoundary(int at) {
        this.at = at;
    }

    /** The fault points the system property asks for; {@link FaultPoints#NONE} without it. */
    static FaultPoints fromSystemProperties() {
        String value = System.getProperty(PROPERTY, "");
        if (value.isBlank()) {
            return FaultPoints.NONE;
        }
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new DaemonStartException("-D" + PROPERTY + " must be a positive number of phase boundaries, not '"
                    + value + "'", e);
        }
        if (n < 1) {
            throw new DaemonStartException("-D" + PROPERTY + " must be at least 1, not " + n, null);
        }
        return new HaltAtBoundary(n);
    }

    @Override
    public void reached(String boundary) {
        int n = reached.incrementAndGet();
        if (n == at) {
            System.err.println("ERA fault injection: halting at boundary " + n + " (" + boundary + ")");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
