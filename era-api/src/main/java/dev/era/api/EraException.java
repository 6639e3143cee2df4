package dev.era.api;

import java.util.Map;

/**
 * Root of ERA's exceptions. Each subclass is one kind of failure with one HTTP status, mapped in
 * one place by the HTTP layer; the message is a sentence that says what to do, and
 * {@link #details()} carries the ids and numbers behind it.
 */
public abstract sealed class EraException extends RuntimeException
        permits InvalidSpecException, BadRequestException, NotFoundException, ConflictException,
        UnauthorizedException, QuotaExceededException, PayloadTooLargeException, EngineException,
        IllegalTransitionException, StoreException {

    private final Map<String, Object> details;

    protected EraException(String message, Map<String, ?> details, Throwable cause) {
        super(message, cause);
        this.details = Map.copyOf(details);
    }

    /** A stable machine-readable code, such as {@code invalid_spec}. */
    public abstract String code();

    public Map<String, Object> details() {
        return details;
    }
}
