package dev.era.http;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;

/**
 * Answers the errors Jetty raises before a request reaches {@link ApiHandler} (a malformed request
 * line, headers too large, a bad URI) in the same JSON shape as every other error.
 */
final class JsonErrorHandler implements Request.Handler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        Object cause = request.getAttribute(ErrorHandler.ERROR_EXCEPTION);
        if (cause instanceof HttpException h) {
            status = h.getCode();
            response.setStatus(status);
        }
        if (status == 501 || status == 505) {
            // Jetty's answers to an unknown transfer coding or HTTP version: the client's mistake, and
            // a 5xx from ERA always means a bug, so these are 400s.
            status = 400;
            response.setStatus(status);
        } else if (status < 400) {
            status = 500;
            response.setStatus(status);
        }
        String reason = request.getAttribute(ErrorHandler.ERROR_MESSAGE) instanceof String m ? m
                : HttpStatus.getMessage(status);
        String message = status >= 500 ? "the daemon failed to handle this request; this is a bug, see the daemon log"
                : "the request was rejected: " + reason;
        ApiError error = new ApiError(status, code(status), message, Map.of(), Map.of());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        byte[] body = Json.bytes(Views.error(error));
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    static String code(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            case 500 -> "internal";
            default -> HttpStatus.getMessage(status).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        };
    }
}
