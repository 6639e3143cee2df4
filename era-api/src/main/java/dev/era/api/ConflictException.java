package dev.era.api;

import java.util.Map;

/** The request clashes with current state (a duplicate name, stopping what is stopped); HTTP 409. */
public final class ConflictException extends EraException {
    public ConflictException(String message) {
        this(message, Map.of());
    }

    public ConflictException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public ConflictException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "conflict";
    }
}
