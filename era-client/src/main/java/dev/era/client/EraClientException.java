package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The daemon answered with an error, or could not be talked to. {@link #getMessage()} is the
 * server's sentence (it says what to do); {@link #code()} is its stable error code.
 */
public class EraClientException extends RuntimeException {
    private final int status;
    private final String code;
    private final JsonNode details;

    public EraClientException(int status, String code, String message, JsonNode details) {
        this(status, code, message, details, null);
    }

    public EraClientException(int status, String code, String message, JsonNode details, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.details = details == null ? JsonNodeFactory.instance.objectNode() : details;
    }

    /** The HTTP status, or 0 when no answer arrived. */
    public int status() {
        return status;
    }

    /** The server's error code ({@code not_found}, {@code invalid_spec}, ...), or {@code io_error} / {@code unavailable}. */
    public String code() {
        return code;
    }

    /** The ids and numbers behind the message (such as {@code field} for an invalid spec); never null. */
    public JsonNode details() {
        return details;
    }
}
