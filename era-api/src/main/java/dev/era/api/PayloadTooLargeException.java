package dev.era.api;

import java.util.Map;

/** A body or file is larger than allowed; HTTP 413. */
public final class PayloadTooLargeException extends EraException {
    public PayloadTooLargeException(String message) {
        this(message, Map.of());
    }

    public PayloadTooLargeException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public PayloadTooLargeException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "payload_too_large";
    }
}
