package dev.era.compat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.api.PayloadTooLargeException;
import dev.era.core.Caller;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/** One request to a compatibility API: its parts, and the ways to answer it exactly once. */
final class Call {
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** JSON bodies carry whole files in write_file_contents; larger ones belong in upload_file. */
    static final int MAX_JSON_BYTES = 32 << 20;

    private final Caller caller;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final Map<String, String> params;
    private Fields query;

    Call(Caller caller, Request request, Response response, Callback callback, Map<String, String> params) {
        this.caller = caller;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.params = Map.copyOf(params);
    }

    Caller caller() {
        return caller;
    }

    String param(String name) {
        return params.get(name);
    }

    /** A query parameter; an empty value counts as absent (the SDKs send {@code last_n=} for "unset"). */
    Optional<String> query(String name) {
        if (query == null) {
            try {
                query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                throw new BadRequestException("the query string is not valid URL encoding (UTF-8, with %XX escapes)");
            }
        }
        return Optional.ofNullable(query.getValue(name)).filter(v -> !v.isEmpty());
    }

    Optional<String> header(String name) {
        return Optional.ofNullable(request.getHeaders().get(name));
    }

    Request request() {
        return request;
    }

    Response response() {
        return response;
    }

    Callback callback() {
        return callback;
    }

    /** The body as a JSON object; an empty body is an empty object (the SDKs send none for "no options"). */
    Body body() {
        long declared = request.getLength();
        if (declared > MAX_JSON_BYTES) {
            throw tooLarge();
        }
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(MAX_JSON_BYTES + 1);
        } catch (IOException e) {
            throw new BadRequestException("the request body could not be read: " + e.getMessage());
        }
        if (bytes.length > MAX_JSON_BYTES) {
            throw tooLarge();
        }
        if (bytes.length == 0) {
            return new Body(NODES.objectNode());
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequestException("the request body could not be read: " + e.getMessage());
        }
        if (node == null || node.isNull()) {
            return new Body(NODES.objectNode());
        }
        if (!(node instanceof ObjectNode o)) {
            throw new BadRequestException("the request body must be a JSON object");
        }
        return new Body(o);
    }

    private static PayloadTooLargeException tooLarge() {
        return new PayloadTooLargeException("the JSON body is larger than " + MAX_JSON_BYTES
                + " bytes; send large files with upload_file (multipart)", Map.of("limit", MAX_JSON_BYTES));
    }

    void json(int status, JsonNode body) {
        try {
            bytes(status, "application/json", JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            // a tree of plain nodes always serialises
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    void bytes(int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Streams {@code in} as the body; the caller opened it (so a missing file was still a JSON 404). */
    void stream(String contentType, InputStream in) throws IOException {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        try (in; OutputStream out = Content.Sink.asOutputStream(response)) {
            in.transferTo(out);
        }
        callback.succeeded();
    }

    /**
     * Ends a long poll whose status did not come in time. RunLoop answers 408 with
     * {@code x-should-retry: true}, and its SDKs poll again on exactly that; it is an answer
     * ("not yet"), not a failure, so it is written here rather than thrown to the error mapping.
     */
    void notYet(String what) {
        header("x-should-retry", "true");
        ObjectNode body = NODES.objectNode();
        body.put("error", "timeout");
        body.put("message", what + "; ask again to keep waiting");
        json(408, body);
    }

    void header(String name, String value) {
        response.getHeaders().put(name, value);
    }
}
