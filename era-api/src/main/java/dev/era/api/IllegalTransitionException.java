package dev.era.api;

import java.util.List;
import java.util.Map;

/**
 * The lifecycle table has no transition for this state and event. Carries the deployment, the
 * state, the event and the recent history so that the cause can be found; HTTP 409 when a request
 * asked for it.
 */
public final class IllegalTransitionException extends EraException {
    public IllegalTransitionException(String deployment, String state, String event, List<String> history) {
        super("deployment " + deployment + " cannot take '" + event + "' while " + state
                        + "; recent history: " + String.join(" -> ", history),
                Map.of("deployment", deployment, "state", state, "event", event, "history", List.copyOf(history)),
                null);
    }

    @Override
    public String code() {
        return "illegal_transition";
    }
}
