package dev.era.api;

import java.util.LinkedHashMap;
import java.util.Map;

/** A spec field is missing, unknown or has a bad value; HTTP 400. The message names the field. */
public final class InvalidSpecException extends EraException {
    private final String field;

    public InvalidSpecException(String field, String message) {
        this(field, message, Map.of());
    }

    public InvalidSpecException(String field, String message, Map<String, ?> details) {
        super("spec field '" + field + "': " + message, withField(field, details), null);
        this.field = field;
    }

    private static Map<String, ?> withField(String field, Map<String, ?> details) {
        Map<String, Object> all = new LinkedHashMap<>(details);
        all.put("field", field);
        return all;
    }

    public String field() {
        return field;
    }

    @Override
    public String code() {
        return "invalid_spec";
    }
}
