package dev.era.http;

import dev.era.core.Caller;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routes served beside ERA's own API under one path prefix, such as the RunLoop ({@code /v1}) and
 * OpenHands ({@code /openhands}) compatibility APIs of module era-compat. The server authenticates
 * every request under the prefix as it does its own routes (an API key on TCP, as
 * {@code Authorization: Bearer} or {@code X-API-Key}; trusted on the Unix socket) and answers
 * anything {@link #handle} throws through its one error mapping.
 */
public interface RouteModule {
    /** The path prefix the module owns, such as {@code /v1}: that path and every path below it. */
    String prefix();

    /**
     * Answers one request under {@link #prefix()}: complete {@code callback}, or throw (an
     * {@link dev.era.api.EraException} for a failure the caller can fix) before the response is
     * committed. Runs on a virtual thread, so blocking is fine.
     */
    void handle(Caller caller, Request request, Response response, Callback callback) throws Exception;
}
