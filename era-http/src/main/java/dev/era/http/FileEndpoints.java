package dev.era.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.core.Caller;
import dev.era.core.SandboxService;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A sandbox's files. Uploads and downloads are streamed in both directions: neither the 1 MiB cap
 * of JSON bodies nor any buffering of the whole file applies; one file may be up to
 * {@link UploadStream#MAX_FILE_BYTES}. The service checks paths (no {@code ..} or symlink escapes).
 */
final class FileEndpoints {
    static final String DEFAULT_DIR = "/workspace";
    private static final int MAX_PATH_FIELD = 4096;

    private final SandboxService sandboxes;

    FileEndpoints(SandboxService sandboxes) {
        this.sandboxes = sandboxes;
    }

    void register(Router r) {
        r.add("GET", "/sandboxes/{id}/files", this::list, "path");
        r.add("DELETE", "/sandboxes/{id}/files", this::delete, "path", "recursive");
        r.add("GET", "/sandboxes/{id}/files/content", this::download, "path");
        r.add("PUT", "/sandboxes/{id}/files/content", this::upload, "path");
        r.add("POST", "/sandboxes/{id}/files/upload", this::multipart, "path");
        r.add("POST", "/sandboxes/{id}/files/mkdir", this::mkdir);
    }

    private void list(Exchange ex) {
        String path = ex.query().text("path").filter(p -> !p.isEmpty()).orElse(DEFAULT_DIR);
        ex.json(200, SandboxViews.files(path, sandboxes.listFiles(ex.caller(), ex.param("id"), path)));
    }

    private void delete(Exchange ex) {
        String path = ex.query().required("path");
        sandboxes.deleteFile(ex.caller(), ex.param("id"), path, ex.query().flag("recursive"));
        ex.noContent();
    }

    private void mkdir(Exchange ex) {
        JsonBody b = JsonBody.read(ex, Set.of("path"));
        String path = b.text("path", "");
        if (path.isEmpty()) {
            throw b.bad("path", "is required: the directory to create, such as /workspace/src");
        }
        sandboxes.mkdir(ex.caller(), ex.param("id"), path);
        ex.noContent();
    }

    /** Opens the file before answering, so that a missing file is a JSON 404 rather than a cut stream. */
    private void download(Exchange ex) throws IOException {
        String path = ex.query().required("path");
        try (InputStream in = sandboxes.readFile(ex.caller(), ex.param("id"), path)) {
            ex.response().setStatus(200);
            ex.response().getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            ex.response().getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=\""
                    + fileName(path) + "\"");
            if (ex.request().getMethod().equals("HEAD")) {
                ex.response().write(true, null, ex.callback());
                return;
            }
            try (OutputStream out = Content.Sink.asOutputStream(ex.response())) {
                in.transferTo(out);
            }
        }
        ex.callback().succeeded();
    }

    private void upload(Exchange ex) {
        String path = ex.query().required("path");
        long declared = ex.request().getLength();
        if (declared > UploadStream.MAX_FILE_BYTES) {
            throw UploadStream.tooLarge(declared, UploadStream.MAX_FILE_BYTES);
        }
        UploadStream body = new UploadStream(Content.Source.asInputStream(ex.request()), UploadStream.MAX_FILE_BYTES);
        long written = write(ex.caller(), ex.param("id"), path, body);
        ex.json(200, written(path, written));
    }

    /** Fields {@code path} (or {@code ?path=}) and then {@code file}; other fields are refused. */
    private void multipart(Exchange ex) throws IOException {
        MultipartReader reader = new MultipartReader(Content.Source.asInputStream(ex.request()),
                ex.header("Content-Type"));
        Optional<String> path = ex.query().text("path").filter(p -> !p.isEmpty());
        long written = -1;
        try {
            for (Optional<MultipartReader.Part> next = reader.next(); next.isPresent(); next = reader.next()) {
                MultipartReader.Part part = next.get();
                switch (part.name()) {
                    case "path" -> {
                        byte[] value = part.body().readNBytes(MAX_PATH_FIELD + 1);
                        if (value.length > MAX_PATH_FIELD || part.body().read() != -1) {
                            throw field("path", "is longer than " + MAX_PATH_FIELD + " bytes");
                        }
                        path = Optional.of(new String(value, StandardCharsets.UTF_8).trim());
                    }
                    case "file" -> {
                        if (written >= 0) {
                            throw field("file", "is given twice; upload one file per request");
                        }
                        String target = path.filter(p -> !p.isEmpty()).orElseThrow(() -> field("path",
                                "must come before the file field (or be given as ?path=)"));
                        UploadStream body = new UploadStream(part.body(), UploadStream.MAX_FILE_BYTES);
                        written = write(ex.caller(), ex.param("id"), target, body);
                    }
                    default -> throw field(Query.clip(part.name()), "is not a field of an upload; send path and file");
                }
            }
        } catch (MultipartReader.MalformedMultipartException e) {
            throw new BadRequestException(e.getMessage(), Map.of("header", "Content-Type"));
        } catch (IOException e) {
            throw new BadRequestException("the upload broke off: " + e.getMessage() + "; send it again");
        }
        if (written < 0) {
            throw field("file", "is required: the file's bytes as a multipart part named 'file'");
        }
        ex.json(200, written(path.orElseThrow(), written));
    }

    private long write(Caller caller, String id, String path, UploadStream body) {
        try (body) {
            return sandboxes.writeFile(caller, id, path, body);
        } catch (RuntimeException e) {
            throw body.failure(e);
        } catch (IOException e) {
            throw new BadRequestException("the upload broke off: " + e.getMessage() + "; send it again");
        }
    }

    private static ObjectNode written(String path, long size) {
        ObjectNode o = Json.object();
        o.put("path", path);
        o.put("size", size);
        return o;
    }

    private static BadRequestException field(String name, String message) {
        return new BadRequestException("field '" + name + "' " + message, Map.of("field", name));
    }

    /** The last path segment, without characters that would break the header. */
    private static String fileName(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        StringBuilder out = new StringBuilder();
        name.chars().filter(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\').forEach(c -> out.append((char) c));
        return out.isEmpty() ? "download" : out.toString();
    }
}
