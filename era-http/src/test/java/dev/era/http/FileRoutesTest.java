package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static dev.era.http.SandboxRoutesTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

class FileRoutesTest extends ApiTest {
    private static final long MIB = 1 << 20;
    private String id;
    private Path ws;

    @BeforeEach
    void sandbox() {
        id = SandboxRoutesTest.create(unix, "{}");
        ws = sandboxes.workspace(id);
    }

    private String files(String rest) {
        return "/sandboxes/" + id + "/files" + rest;
    }

    @Test
    void putWritesAFileAndGetReadsItBack() throws IOException {
        byte[] bytes = {0, 1, 2, (byte) 0xff, '\n'};

        TestHttp.Reply put = unix.send("PUT", files("/content?path=/workspace/dir/a.bin"), bytes);
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        assertThat(put.json().get("path").asText()).isEqualTo("/workspace/dir/a.bin");
        assertThat(put.json().get("size").asLong()).isEqualTo(5);
        assertThat(Files.readAllBytes(ws.resolve("dir/a.bin"))).containsExactly(bytes);

        TestHttp.Reply get = unix.get(files("/content?path=/workspace/dir/a.bin"));
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.header("content-type")).isEqualTo("application/octet-stream");
        assertThat(get.header("content-disposition")).isEqualTo("attachment; filename=\"a.bin\"");
        assertThat(get.body()).containsExactly(bytes);
    }

    @Test
    void listShowsEntriesWithTheirWireShape() throws IOException {
        Files.writeString(ws.resolve("b.txt"), "hello");
        Files.createDirectories(ws.resolve("a-dir"));

        JsonNode list = unix.get(files("?path=/workspace")).json();

        assertThat(list.get("path").asText()).isEqualTo("/workspace");
        JsonNode entries = list.get("entries");
        assertThat(entries).extracting(e -> e.get("name").asText()).containsExactly("a-dir", "b.txt");
        JsonNode file = entries.get(1);
        assertThat(file.fieldNames()).toIterable().containsExactly("path", "name", "type", "size", "mode", "modifiedAt");
        assertThat(file.get("path").asText()).isEqualTo("/workspace/b.txt");
        assertThat(file.get("type").asText()).isEqualTo("file");
        assertThat(file.get("size").asLong()).isEqualTo(5);
        assertThat(file.get("mode").asText()).matches("0[0-7]{3}");
        assertThat(entries.get(0).get("type").asText()).isEqualTo("directory");
        assertThat(unix.get(files("")).json().get("path").asText()).isEqualTo("/workspace");
    }

    @Test
    void mkdirAndDelete() {
        TestHttp.Reply made = unix.post(files("/mkdir"), "{\"path\": \"/workspace/x/y\"}", "Content-Type", JSON);
        assertThat(made.status()).isEqualTo(204);
        assertThat(ws.resolve("x/y")).isDirectory();

        TestHttp.Reply notEmpty = unix.delete(files("?path=/workspace/x"));
        assertThat(notEmpty.status()).isEqualTo(409);
        assertThat(unix.delete(files("?path=/workspace/x&recursive=true")).status()).isEqualTo(204);
        assertThat(ws.resolve("x")).doesNotExist();
        assertThat(unix.delete(files("?path=/workspace/x")).status()).isEqualTo(404);
    }

    @Test
    void badFileRequestsAre4xx() {
        assertThat(unix.get(files("/content")).status()).isEqualTo(400);
        assertThat(unix.get(files("/content?path=/workspace/nope")).status()).isEqualTo(404);
        assertThat(unix.get(files("?path=/workspace/nope")).status()).isEqualTo(404);
        assertThat(unix.delete(files("")).status()).isEqualTo(400);
        assertThat(unix.delete(files("?path=/workspace&recursive=maybe")).status()).isEqualTo(400);
        TestHttp.Reply noPath = unix.post(files("/mkdir"), "{}", "Content-Type", JSON);
        assertThat(noPath.status()).isEqualTo(400);
        assertThat(noPath.json().get("details").get("field").asText()).isEqualTo("path");
        assertThat(unix.post(files("/mkdir"), "{\"path\": 1}", "Content-Type", JSON).status()).isEqualTo(400);
        assertThat(unix.send("PUT", files("/content"), new byte[1]).status()).isEqualTo(400);
    }

    @Test
    void pathsThatLeaveTheWorkspaceAreRefused() {
        for (String path : new String[] {"/workspace/../../etc/passwd", "../x", "/etc/passwd"}) {
            String q = java.net.URLEncoder.encode(path, StandardCharsets.UTF_8);
            assertThat(unix.get(files("/content?path=" + q)).status()).as(path).isEqualTo(400);
            assertThat(unix.send("PUT", files("/content?path=" + q), new byte[1]).status()).as(path).isEqualTo(400);
        }
    }

    @Test
    void aFileLargerThanTheJsonBodyCapUploadsChunked() throws Exception {
        byte[] block = pattern(64 * 1024);

        TestHttp.Reply r = unix.stream("PUT", files("/content?path=big.bin"), -1, out -> {
            for (int i = 0; i < 48; i++) {
                out.write(block);
            }
        });

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().get("size").asLong()).isEqualTo(3 * MIB);
        assertThat(Files.size(ws.resolve("big.bin"))).isEqualTo(3 * MIB);
    }

    /**
     * The body is held back after its first MiB until the service has received part of it: a server
     * that buffered the body before handing it on would never get there.
     */
    @Test
    void a50MiBUploadIsStreamedToTheServiceWhileItIsSent() throws Exception {
        long size = 50 * MIB;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        byte[] block = pattern(256 * 1024);

        TestHttp.Reply r = unix.stream("PUT", files("/content?path=/workspace/huge.bin"), size, out -> {
            for (long written = 0; written < size; written += block.length) {
                out.write(block);
                sent.update(block);
                if (written == MIB) {
                    awaitProgress(MIB / 2);
                }
            }
        });

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().get("size").asLong()).isEqualTo(size);
        assertThat(sha256(ws.resolve("huge.bin"))).isEqualTo(HexFormat.of().formatHex(sent.digest()));
    }

    @Test
    void a50MiBDownloadArrivesWhole() throws Exception {
        Path big = ws.resolve("down.bin");
        byte[] block = pattern(1 << 20);
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < 50; i++) {
                out.write(block);
            }
        }

        TestHttp.Reply r = unix.get(files("/content?path=down.bin"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).hasSize(50 << 20);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.body())))
                .isEqualTo(sha256(big));
    }

    @Test
    void aDeclaredSizeOverTheCapIsRefusedBeforeReading() {
        TestHttp.Reply r = unix.stream("PUT", files("/content?path=x"), (2L << 30) + 1, out -> out.write(1));

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void anUploadCutShortIsA400AndNotReportedWritten() {
        TestHttp.Reply r = unix.raw(("PUT " + files("/content?path=cut.bin") + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 100\r\n\r\nonly-this").getBytes(StandardCharsets.US_ASCII), false, true);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("broke off");
    }

    @Test
    void multipartUploadStreamsTheFilePart() throws IOException {
        byte[] content = pattern(3 * (int) MIB);

        TestHttp.Reply r = multipart("b0undary", part("b0undary", "path", null, "/workspace/up/m.bin".getBytes()),
                part("b0undary", "file", "m.bin", content), "--b0undary--\r\n".getBytes());

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().get("path").asText()).isEqualTo("/workspace/up/m.bin");
        assertThat(r.json().get("size").asLong()).isEqualTo(content.length);
        assertThat(Files.readAllBytes(ws.resolve("up/m.bin"))).isEqualTo(content);
    }

    @Test
    void aLargeMultipartFileIsStreamedToTheServiceWhileItIsSent() throws Exception {
        long size = 20 * MIB;
        byte[] head = ("--zz\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\nm.bin\r\n--zz\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"m.bin\"\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\r\n--zz--\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] block = pattern(256 * 1024);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");

        TestHttp.Reply r = unix.stream("POST", files("/upload"), head.length + size + tail.length, out -> {
            out.write(head);
            for (long written = 0; written < size; written += block.length) {
                out.write(block);
                sent.update(block);
                if (written == MIB) {
                    awaitProgress(MIB / 2);
                }
            }
            out.write(tail);
        }, "Content-Type", "multipart/form-data; boundary=zz");

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().get("size").asLong()).isEqualTo(size);
        assertThat(sha256(ws.resolve("m.bin"))).isEqualTo(HexFormat.of().formatHex(sent.digest()));
    }

    @Test
    void multipartTakesThePathFromTheQueryAndKeepsBytesThatLookLikeABoundary() throws IOException {
        // a delimiter is CRLF "--" boundary; a near miss, or the boundary without the CRLF, is content
        byte[] tricky = "a\r\n--b0undar\r\nx--b0undary\r\n-\r".getBytes(StandardCharsets.US_ASCII);

        TestHttp.Reply r = multipart("b0undary", "?path=t.bin", part("b0undary", "file", "t", tricky),
                "--b0undary--".getBytes());

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(Files.readAllBytes(ws.resolve("t.bin"))).isEqualTo(tricky);
    }

    @Test
    void badMultipartBodiesAre400() {
        String b = "xyz";
        assertBadMultipart(multipart(b, part(b, "file", "f", new byte[3]), "--xyz--".getBytes()), "path");
        assertBadMultipart(multipart(b, part(b, "path", null, "p".getBytes()), "--xyz--".getBytes()), "file");
        assertBadMultipart(multipart(b, part(b, "other", null, "v".getBytes()), "--xyz--".getBytes()), "other");
        TestHttp.Reply unterminated = multipart(b, part(b, "path", null, "p".getBytes()), part(b, "file", "f",
                new byte[3]));
        assertThat(unterminated.status()).isEqualTo(400);
        assertThat(unterminated.json().get("message").asText()).contains("closing boundary");
        TestHttp.Reply noBoundary = unix.send("POST", files("/upload"), new byte[3], "Content-Type",
                "multipart/form-data");
        assertThat(noBoundary.status()).isEqualTo(400);
        TestHttp.Reply wrongType = unix.send("POST", files("/upload"), new byte[3], "Content-Type", "text/plain");
        assertThat(wrongType.status()).isEqualTo(415);
    }

    private static void assertBadMultipart(TestHttp.Reply r, String named) {
        assertThat(r.status()).as(r.text()).isEqualTo(400);
        assertThat(r.json().get("details").toString()).contains(named);
    }

    private TestHttp.Reply multipart(String boundary, byte[]... parts) {
        return multipart(boundary, "", parts);
    }

    private TestHttp.Reply multipart(String boundary, String query, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        return unix.send("POST", files("/upload" + query), body.toByteArray(), "Content-Type",
                "multipart/form-data; boundary=\"" + boundary + "\"");
    }

    private static byte[] part(String boundary, String name, String filename, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (filename == null ? "" : "; filename=\"" + filename + "\"") + "\r\n"
                + (filename == null ? "" : "Content-Type: application/octet-stream\r\n") + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void awaitProgress(long bytes) throws IOException {
        try {
            eventually(() -> sandboxes.uploadProgress.get() >= bytes);
        } catch (InterruptedException | AssertionError e) {
            throw new IOException("the service saw only " + sandboxes.uploadProgress.get()
                    + " bytes while the client held back: the upload is buffered, not streamed", e);
        }
    }

    static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + (i >> 12));
        }
        return b;
    }

    static String sha256(Path file) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) != -1; ) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
