package dev.era.api;

import java.util.Map;

/** The request is malformed (bad JSON, a bad parameter); HTTP 400. */
public final class BadRequestException extends EraException {
    public BadRequestException(String message) {
        this(message, Map.of());
    }

    public BadRequestException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public BadRequestException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "bad_request";
    }
}
