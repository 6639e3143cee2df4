package dev.era.http;

import java.util.Map;

/**
 * A failure of the HTTP exchange itself rather than of the core (no such method, a content type we
 * do not read). Failures the core reports are {@link dev.era.api.EraException}s.
 */
final class HttpError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> details;
    private final Map<String, String> headers;

    HttpError(int status, String code, String message, Map<String, ?> details, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = Map.copyOf(details);
        this.headers = Map.copyOf(headers);
    }

    static HttpError methodNotAllowed(String method, String template, java.util.Set<String> allowed) {
        String allow = String.join(", ", allowed);
        return new HttpError(405, "method_not_allowed", template + " does not accept " + method + "; use " + allow,
                Map.of("method", method, "allowed", java.util.List.copyOf(allowed)), Map.of("Allow", allow));
    }

    static HttpError unsupportedMediaType(String given, java.util.List<String> accepted) {
        return new HttpError(415, "unsupported_media_type", "this route does not read '" + given
                + "'; send the body as " + String.join(" or ", accepted),
                Map.of("contentType", given, "accepted", accepted), Map.of());
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, Object> details() {
        return details;
    }

    Map<String, String> headers() {
        return headers;
    }
}
