package dev.era.api;

import java.util.Map;

/** No or a wrong API key; HTTP 401. */
public final class UnauthorizedException extends EraException {
    public UnauthorizedException(String message) {
        this(message, Map.of());
    }

    public UnauthorizedException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public UnauthorizedException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "unauthorized";
    }
}
