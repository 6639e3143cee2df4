package dev.era.api;

import java.util.Map;

/** A tenant's quota would be exceeded; HTTP 429. */
public final class QuotaExceededException extends EraException {
    public QuotaExceededException(String message) {
        this(message, Map.of());
    }

    public QuotaExceededException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public QuotaExceededException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "quota_exceeded";
    }
}
