package dev.era.http;

import dev.era.agents.AgentRuntimeException;
import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.EngineException;
import dev.era.api.EraException;
import dev.era.api.IllegalTransitionException;
import dev.era.api.InvalidSpecException;
import dev.era.api.NotFoundException;
import dev.era.api.PayloadTooLargeException;
import dev.era.api.QuotaExceededException;
import dev.era.api.StoreException;
import dev.era.api.UnauthorizedException;
import org.eclipse.jetty.http.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.UUID;

/**
 * The one place that turns a failure into an HTTP answer: {@code {"error": code, "message": ...,
 * "details": {...}}} with its status and headers. Anything unexpected becomes a 500 whose body holds
 * only a reference to the log entry: stack traces stay in the log.
 */
record ApiError(int status, String code, String message, Map<String, Object> details, Map<String, String> headers) {
    private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);
    static final String KEY_HINT = "pass an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
            + " (or use the daemon's Unix socket, which needs no key)";

    ApiError {
        details = Map.copyOf(details);
        headers = Map.copyOf(headers);
    }

    static ApiError of(Throwable failure, String method, String path) {
        return switch (failure) {
            case EraException e -> new ApiError(status(e), e.code(), e.getMessage(), e.details(), headers(e));
            case HttpError e -> new ApiError(e.status(), e.code(), e.getMessage(), e.details(), e.headers());
            // the agent runtime is a library with its own root exception; each kind carries its status
            case AgentRuntimeException e -> new ApiError(e.status(), e.code(), e.getMessage(), e.details(),
                    e.status() == 429 ? Map.of("Retry-After", "1") : Map.of());
            // Jetty reports a malformed request found while the route reads it (a broken chunked body)
            case HttpException e when e.getCode() >= 400 && e.getCode() < 500 -> new ApiError(e.getCode(),
                    JsonErrorHandler.code(e.getCode()), "the request was rejected: " + e.getReason(), Map.of(), Map.of());
            default -> internal(failure, method, path);
        };
    }

    /** The exhaustive switch over the sealed hierarchy makes a new exception type a compile error here. */
    static int status(EraException e) {
        return switch (e) {
            case InvalidSpecException x -> 400;
            case BadRequestException x -> 400;
            case UnauthorizedException x -> 401;
            case NotFoundException x -> 404;
            case ConflictException x -> 409;
            case IllegalTransitionException x -> 409;
            case PayloadTooLargeException x -> 413;
            case QuotaExceededException x -> 429;
            case EngineException x -> 502;
            case StoreException x -> 503;
        };
    }

    private static Map<String, String> headers(EraException e) {
        return e instanceof UnauthorizedException ? Map.of("WWW-Authenticate", "Bearer realm=\"era\"") : Map.of();
    }

    private static ApiError internal(Throwable failure, String method, String path) {
        String ref = UUID.randomUUID().toString().substring(0, 8);
        LOG.error("internal error {} handling {} {}", ref, method, path, failure);
        return new ApiError(500, "internal", "the daemon failed to handle this request; this is a bug, see the"
                + " daemon log for error " + ref, Map.of("ref", ref), Map.of());
    }
}
