package dev.era.compat;

import dev.era.api.BadRequestException;
import dev.era.api.PayloadTooLargeException;
import dev.era.core.SandboxService;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import static dev.era.compat.Call.NODES;

/**
 * A devbox's files: write/read as UTF-8 text in JSON, upload as multipart, download as bytes.
 * Paths are sandbox paths; a relative one is under {@code /workspace} (ERA's working directory,
 * where RunLoop's is the user's home). The service checks paths against escapes.
 */
final class FileRoutes {
    /** Multipart parts above this size are spooled to the scratch directory instead of memory. */
    private static final long IN_MEMORY = 1L << 20;
    /** The largest upload; RunLoop documents upload_file for files beyond 100 MB. */
    static final long MAX_UPLOAD = 8L << 30;

    private final SandboxService sandboxes;
    private final Path scratch;

    /** @param scratch a private directory for multipart parts too large to hold in memory */
    FileRoutes(SandboxService sandboxes, Path scratch) {
        this.sandboxes = sandboxes;
        this.scratch = scratch;
    }

    void register(Routes r) {
        String box = DevboxRoutes.BASE + "/{id}";
        r.add("POST", box + "/write_file_contents", this::write);
        r.add("POST", box + "/read_file_contents", this::read);
        r.add("POST", box + "/upload_file", this::upload);
        r.add("POST", box + "/download_file", this::download);
    }

    private void write(Call c) {
        Body b = c.body();
        String path = b.required("file_path");
        String contents = b.text("contents").orElseThrow(() -> Body.bad("contents", "is required (it may be empty)"));
        sandboxes.writeFile(c.caller(), c.param("id"), path,
                new ByteArrayInputStream(contents.getBytes(StandardCharsets.UTF_8)));
        c.json(200, DevboxViews.result(c.param("id"), 0, "", "", Optional.empty()));
    }

    private void read(Call c) throws IOException {
        String path = c.body().required("file_path");
        c.stream("text/plain; charset=utf-8", sandboxes.readFile(c.caller(), c.param("id"), path));
    }

    private void download(Call c) throws IOException {
        String path = c.body().required("path");
        c.stream("application/octet-stream", sandboxes.readFile(c.caller(), c.param("id"), path));
    }

    /** Fields {@code path} and {@code file} in either order; the file may be large (spooled to disk, not memory). */
    private void upload(Call c) throws IOException, InterruptedException {
        String type = c.header(HttpHeader.CONTENT_TYPE.asString()).orElse("");
        String boundary = MultiPart.extractBoundary(type);
        if (!MimeTypes.getBaseType(type).is("multipart/form-data") && !type.startsWith("multipart/form-data")
                || boundary == null) {
            throw new BadRequestException("upload_file takes multipart/form-data with the fields 'path' and 'file'",
                    Map.of("contentType", Routes.clip(type)));
        }
        MultiPartFormData.Parser parser = new MultiPartFormData.Parser(boundary);
        parser.setFilesDirectory(scratch);
        parser.setMaxMemoryFileSize(IN_MEMORY);
        parser.setUseFilesForPartsWithoutFileName(true);
        parser.setMaxFileSize(MAX_UPLOAD);
        parser.setMaxLength(MAX_UPLOAD + (1 << 20));
        parser.setMaxParts(16);
        MultiPartFormData.Parts parts;
        try {
            parts = parser.parse(c.request()).get();
        } catch (ExecutionException e) {
            throw unreadable(e.getCause());
        }
        try (parts) {
            MultiPart.Part path = parts.getFirst("path");
            MultiPart.Part file = parts.getFirst("file");
            if (path == null || file == null) {
                throw new BadRequestException("upload_file needs the form fields 'path' (where to put the file) and "
                        + "'file' (its bytes)");
            }
            String target = path.getContentAsString(StandardCharsets.UTF_8).strip();
            if (target.isEmpty()) {
                throw Body.bad("path", "is required");
            }
            try (InputStream in = Content.Source.asInputStream(file.createContentSource())) {
                sandboxes.writeFile(c.caller(), c.param("id"), target, in);
            }
        }
        c.json(200, NODES.objectNode());
    }

    private static RuntimeException unreadable(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        if (message.toLowerCase(java.util.Locale.ROOT).contains("max")) {
            return new PayloadTooLargeException("the upload is larger than " + MAX_UPLOAD + " bytes or has too "
                    + "many parts", Map.of("limit", MAX_UPLOAD));
        }
        return new BadRequestException("the multipart body could not be read: " + Routes.clip(message));
    }
}
