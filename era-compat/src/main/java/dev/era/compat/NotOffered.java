package dev.era.compat;

import dev.era.api.BadRequestException;

import java.util.Map;

/**
 * The answer to a request for something ERA does not do: a 400 that says so and names the
 * nearest thing ERA does, so that a caller can change its code rather than retry.
 */
final class NotOffered {
    static final String SNAPSHOTS = "snapshots: set one devbox up, snapshot_disk it, and create the others with "
            + "snapshot_id";
    static final String SHELL = "an interactive PTY: `era shell <devbox id>` or the WebSocket at "
            + "/sandboxes/{id}/shell";
    static final String NETWORK = "sandboxes created with network host reach the host's ports directly; the "
            + "OpenHands API (/openhands/start) hands out a port per runtime";
    static final String ENVIRONMENT = "pass values as environment_variables when the devbox is created";

    private NotOffered() {
    }

    static BadRequestException feature(String what, String nearest) {
        return new BadRequestException("ERA does not offer " + what + "; the nearest ERA feature is " + nearest
                + " (docs/compat.md lists what ERA serves of the RunLoop API)",
                Map.of("notOffered", what, "nearest", nearest));
    }

    static Routes.Handler route(String what, String nearest) {
        return call -> {
            throw feature(what, nearest);
        };
    }
}
