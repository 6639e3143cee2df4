package dev.era.api;

import java.util.Map;

/** The named thing does not exist, or belongs to another tenant; HTTP 404. */
public final class NotFoundException extends EraException {
    public NotFoundException(String message) {
        this(message, Map.of());
    }

    public NotFoundException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public NotFoundException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "not_found";
    }
}
