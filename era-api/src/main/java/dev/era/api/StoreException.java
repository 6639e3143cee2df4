package dev.era.api;

import java.util.Map;

/** The state store failed (disk full, corrupt file). */
public final class StoreException extends EraException {
    public StoreException(String message) {
        this(message, Map.of());
    }

    public StoreException(String message, Map<String, ?> details) {
        super(message, details, null);
    }

    public StoreException(String message, Map<String, ?> details, Throwable cause) {
        super(message, details, cause);
    }

    @Override
    public String code() {
        return "store_error";
    }
}
