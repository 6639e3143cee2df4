package dev.era.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static dev.era.core.Action.*;
import static dev.era.core.LifecycleEvent.*;
import static dev.era.core.LifecycleState.*;

/**
 * The one transition table of ADR-001: {@code (state, event) -> (next state, action)}. Nothing else
 * decides where a deployment goes next; {@code docs/lifecycle.md} is generated from it.
 */
public final class LifecycleTable {
    /** One row of the table. */
    public record Transition(LifecycleState from, LifecycleEvent event, LifecycleState to, Action action) {}

    private static final Map<LifecycleState, Map<LifecycleEvent, Transition>> TABLE = new EnumMap<>(LifecycleState.class);

    static {
        on(VALIDATING, VALIDATED, FETCHING, FETCH);
        on(FETCHING, FETCHED, PREPARING, PREPARE);
        on(PREPARING, PREPARED, INSTALLING, INSTALL);
        on(INSTALLING, INSTALLED, ACTIVATING, ACTIVATE);
        on(ACTIVATING, ACTIVATED, HEALTH_CHECKING, PROBE);
        on(HEALTH_CHECKING, HEALTHY, RUNNING, NONE);
        for (LifecycleState s : new LifecycleState[] {HEALTH_CHECKING, RUNNING}) {
            on(s, CRASHED, BACKING_OFF, SCHEDULE_RESTART);
            on(s, GAVE_UP, FAILED, CLEANUP);
            on(s, COMPLETED, STOPPED, CLEANUP);
        }
        on(BACKING_OFF, BACKOFF_ELAPSED, ACTIVATING, ACTIVATE);
        on(HEALTH_CHECKING, STOP_REQUESTED, STOPPING, STOP);
        on(RUNNING, STOP_REQUESTED, STOPPING, STOP);
        on(BACKING_OFF, STOP_REQUESTED, STOPPING, STOP);
        on(STOPPING, STOPPED_OK, STOPPED, NONE);
        on(STOPPED, START_REQUESTED, ACTIVATING, ACTIVATE);
        on(RUNNING, SUSPEND_REQUESTED, SUSPENDED, PAUSE);
        on(SUSPENDED, RESUME_REQUESTED, RESUMING, UNPAUSE);
        on(RESUMING, RESUMED, RUNNING, NONE);
        on(SUSPENDED, STOP_REQUESTED, STOPPING, STOP);
        on(FAILED, START_REQUESTED, VALIDATING, VALIDATE);
        // updates and rollbacks: a running deployment brings the new version up, then cuts over or rolls back;
        // a stopped or failed one just takes the new version, which runs at the next start
        on(RUNNING, UPDATE_REQUESTED, UPDATING, START_CANDIDATE);
        on(STOPPED, UPDATE_REQUESTED, STOPPED, NONE);
        on(FAILED, UPDATE_REQUESTED, FAILED, NONE);
        on(UPDATING, CANDIDATE_STARTED, VERIFYING, VERIFY_CANDIDATE);
        on(VERIFYING, CANDIDATE_HEALTHY, CUTTING_OVER, CUT_OVER);
        on(CUTTING_OVER, CUT_OVER_DONE, RUNNING, NONE);
        for (LifecycleState s : new LifecycleState[] {UPDATING, VERIFYING}) {
            on(s, CANDIDATE_FAILED, ROLLING_BACK, DISCARD_CANDIDATE);
            on(s, OP_FAILED, ROLLING_BACK, DISCARD_CANDIDATE);
            on(s, STOP_REQUESTED, STOPPING, STOP);
        }
        on(ROLLING_BACK, ROLLED_BACK, RUNNING, NONE);
        on(ROLLING_BACK, RESTORE, ACTIVATING, ACTIVATE);
        for (LifecycleState s : LifecycleState.values()) {
            if (s != UNINSTALLING && s != DELETED) {
                on(s, DELETE_REQUESTED, UNINSTALLING, UNINSTALL);
            }
        }
        on(UNINSTALLING, UNINSTALLED, DELETED, PURGE);
        for (LifecycleState s : new LifecycleState[] {VALIDATING, FETCHING, PREPARING, INSTALLING, ACTIVATING,
                BACKING_OFF, STOPPING, SUSPENDED, RESUMING, UNINSTALLING, CUTTING_OVER, ROLLING_BACK}) {
            on(s, OP_FAILED, FAILED, CLEANUP);
        }
    }

    private LifecycleTable() {
    }

    private static void on(LifecycleState from, LifecycleEvent event, LifecycleState to, Action action) {
        Transition previous = TABLE.computeIfAbsent(from, k -> new EnumMap<>(LifecycleEvent.class))
                .put(event, new Transition(from, event, to, action));
        if (previous != null) {
            throw new IllegalStateException("two transitions for " + from + " + " + event);
        }
    }

    public static Optional<Transition> lookup(LifecycleState from, LifecycleEvent event) {
        return Optional.ofNullable(TABLE.getOrDefault(from, Map.of()).get(event));
    }

    /** Every row, in a stable order (by state, then event). */
    public static Map<String, Transition> all() {
        Map<String, Transition> out = new LinkedHashMap<>();
        TABLE.forEach((from, row) -> row.forEach((event, t) -> out.put(from + "+" + event, t)));
        return Collections.unmodifiableMap(out);
    }

    /** The state diagram as Mermaid, generated from the table, for {@code docs/lifecycle.md}. */
    public static String mermaid() {
        StringBuilder b = new StringBuilder("stateDiagram-v2\n    [*] --> VALIDATING: deploy\n");
        all().values().forEach(t -> b.append("    ").append(t.from()).append(" --> ").append(t.to())
                .append(": ").append(t.event()).append(t.action() == NONE ? "" : " / " + t.action()).append('\n'));
        b.append("    DELETED --> [*]\n");
        return b.toString();
    }
}
