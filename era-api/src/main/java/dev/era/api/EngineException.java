package dev.era.api;

import java.util.Map;

/** An engine could not do what it was asked (the host refused, a binary is missing); recorded as the deployment's failure cause. */
public final class EngineException extends EraException {
    public EngineException(String message) {
        this(message, Map.of());
    }

    public EngineException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public EngineException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "engine_error";
    }
}
