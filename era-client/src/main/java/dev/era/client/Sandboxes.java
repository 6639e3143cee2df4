package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The daemon's sandboxes: get one from {@link EraClient#sandboxes()}. Each method is one route of
 * {@code /sandboxes} or {@code /snapshots}; failures are {@link EraClientException}s with the
 * daemon's status, code and message (404 for a sandbox of another tenant, as for none).
 */
public final class Sandboxes {
    private static final String JSON = "application/json";
    /** Longest a single wait may be asked of the daemon; longer waits are several requests. */
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);
    /** Time the daemon gets to answer beyond any wait a request asks for. */
    private static final Duration ANSWER_TIME = Duration.ofSeconds(30);
    /** How long a sync exec may hold its connection when the request sets no timeout. */
    private static final Duration SYNC_EXEC_LIMIT = Duration.ofHours(1);

    private final EraClient client;
    private final Http1 http;

    Sandboxes(EraClient client, Http1 http) {
        this.client = client;
        this.http = http;
    }

    public Sandbox create(SandboxSpec spec) {
        return SandboxWire.sandbox(post("/sandboxes", spec.toJson(), Duration.ZERO));
    }

    public Sandbox get(String id) {
        return SandboxWire.sandbox(client.fetch(path(id)));
    }

    public List<Sandbox> list() {
        return SandboxWire.sandboxes(client.fetch("/sandboxes"));
    }

    /** Stops the sandbox and removes it with its files (its snapshots stay); returns it as removed. */
    public Sandbox delete(String id) {
        return SandboxWire.sandbox(client.call("DELETE", path(id), null, null, Duration.ZERO));
    }

    public Sandbox suspend(String id) {
        return SandboxWire.sandbox(post(path(id) + "/suspend", null, Duration.ZERO));
    }

    public Sandbox resume(String id) {
        return SandboxWire.sandbox(post(path(id) + "/resume", null, Duration.ZERO));
    }

    /** Counts as activity: pushes the idle suspension back. */
    public Sandbox keepAlive(String id) {
        return SandboxWire.sandbox(post(path(id) + "/keepalive", null, Duration.ZERO));
    }

    /** Runs a command to its end (or its timeout) and returns its exit code and output. */
    public Execution execSync(String id, ExecSpec spec) {
        Duration wait = spec.timeout().isZero() ? SYNC_EXEC_LIMIT : spec.timeout();
        return SandboxWire.execution(post(path(id) + "/exec", spec.toJson(), wait));
    }

    /** Starts a command and returns at once; follow it with {@link #followOutput} or {@link #output}. */
    public Execution execAsync(String id, ExecSpec spec) {
        return SandboxWire.execution(post(path(id) + "/executions", spec.toJson(), Duration.ZERO));
    }

    public Execution execution(String id, String executionId) {
        return SandboxWire.execution(client.fetch(execPath(id, executionId)));
    }

    public List<Execution> executions(String id) {
        return SandboxWire.executions(client.fetch(path(id) + "/executions"));
    }

    /** Waits until the execution ends or {@code timeout} passes, and returns it as it is then. */
    public Execution await(String id, String executionId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Duration wait = left.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : left;
            Execution e = SandboxWire.execution(post(execPath(id, executionId) + "/wait?timeout=" + wait.toMillis() + "ms",
                    null, wait));
            if (e.finished() || left.compareTo(MAX_WAIT) <= 0) {
                return e;
            }
        }
    }

    public Execution kill(String id, String executionId) {
        return SandboxWire.execution(post(execPath(id, executionId) + "/kill", null, Duration.ZERO));
    }

    /** Writes bytes to the command's standard input; {@code close} ends it after them. */
    public void sendStdin(String id, String executionId, byte[] data, boolean close) {
        client.call("POST", execPath(id, executionId) + "/stdin" + (close ? "?close=true" : ""),
                "application/octet-stream", data, Duration.ZERO);
    }

    /**
     * Delivers the command's output from the given byte offsets on, live, then a
     * {@link OutputChunk.Kind#STATUS} chunk, after which the stream ends. A stream the daemon ends
     * early (the consumer fell far behind) ends without the status: resume from the offsets seen.
     */
    public Subscription followOutput(String id, String executionId, long stdoutOffset, long stderrOffset,
                                     Consumer<OutputChunk> consumer) {
        return client.follow(execPath(id, executionId) + "/stream?stdoutOffset=" + stdoutOffset + "&stderrOffset="
                + stderrOffset, e -> {
            OutputChunk c = SandboxWire.chunk(e.event(), EraClient.json(e.data()));
            if (c != null) {
                consumer.accept(c);
            }
        });
    }

    /**
     * Delivers all of the command's output, then its STATUS chunk, resuming the stream where it
     * broke off; blocks until the command ended.
     *
     * @return the exit code
     */
    public int output(String id, String executionId, Consumer<OutputChunk> consumer) throws InterruptedException {
        long[] next = {0, 0};
        int[] exit = {Integer.MIN_VALUE};
        int fruitless = 0;
        while (true) {
            long before = next[0] + next[1];
            try (Subscription s = followOutput(id, executionId, next[0], next[1], c -> {
                switch (c.kind()) {
                    case STDOUT -> next[0] = c.offset() + c.data().length;
                    case STDERR -> next[1] = c.offset() + c.data().length;
                    case STATUS -> exit[0] = c.exitCode();
                }
                consumer.accept(c);
            })) {
                s.join();
            } catch (EraClientException e) {
                // a broken connection is resumed; the daemon's refusals are not
                if (e.status() != 0 || exit[0] != Integer.MIN_VALUE) {
                    if (exit[0] != Integer.MIN_VALUE) {
                        return exit[0];
                    }
                    throw e;
                }
            }
            if (exit[0] != Integer.MIN_VALUE) {
                return exit[0];
            }
            fruitless = next[0] + next[1] > before ? 0 : fruitless + 1;
            if (fruitless >= 3) {
                throw new EraClientException(0, "io_error", "the output stream of " + executionId
                        + " keeps ending without progress", null);
            }
        }
    }

    /** Writes a local file to {@code remotePath} (parents are created), streamed; returns the bytes written. */
    public long upload(String id, Path local, String remotePath) {
        try (InputStream in = Files.newInputStream(local)) {
            return upload(id, in, Files.size(local), remotePath);
        } catch (IOException e) {
            throw new EraClientException(0, "local_io", "cannot read " + local + ": " + e.getMessage(), null, e);
        }
    }

    /**
     * Writes a stream to {@code remotePath}, streamed.
     *
     * @param length the number of bytes {@code in} holds, or -1 when unknown (sent chunked)
     */
    public long upload(String id, InputStream in, long length, String remotePath) {
        Http1.Reply r = http.upload("PUT", path(id) + "/files/content?path=" + EraClient.query(remotePath),
                "application/octet-stream", in, length);
        return client.answer(r).path("size").asLong();
    }

    /** Copies a sandbox file to a local file (replaced only once the whole file arrived); returns its size. */
    public long download(String id, String remotePath, Path local) {
        Path dir = local.toAbsolutePath().getParent();
        Path part = null;
        try {
            part = Files.createTempFile(dir, "." + local.getFileName() + ".", ".part");
            long n;
            try (OutputStream out = Files.newOutputStream(part)) {
                n = download(id, remotePath, out);
            }
            Files.move(part, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            part = null;
            return n;
        } catch (IOException e) {
            throw new EraClientException(0, "local_io", "cannot write " + local + ": " + e.getMessage(), null, e);
        } finally {
            if (part != null) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException e) {
                    // a stray .part file is all that is left
                }
            }
        }
    }

    /** Copies a sandbox file to {@code out}, streamed; returns its size. */
    public long download(String id, String remotePath, OutputStream out) {
        Http1.Stream s = http.open(path(id) + "/files/content?path=" + EraClient.query(remotePath),
                "application/octet-stream");
        try {
            if (s.status() != 200) {
                throw client.failure(new Http1.Reply(s.status(), s.headers(), Http1.readAll(s)));
            }
            long n = s.body().transferTo(out);
            String length = s.headers().get("content-length");
            if (length != null && Long.parseLong(length.trim()) != n) {
                throw new IOException("the connection ended after " + n + " of " + length + " bytes");
            }
            return n;
        } catch (IOException e) {
            throw new EraClientException(0, "io_error", "the download of " + remotePath + " broke off: "
                    + e.getMessage(), null, e);
        } finally {
            Http1.closeQuietly(s.channel());
        }
    }

    /** @param dir a directory in the sandbox; empty for /workspace */
    public List<FileEntry> listFiles(String id, String dir) {
        return SandboxWire.files(client.fetch(path(id) + "/files" + (dir.isEmpty() ? "" : "?path="
                + EraClient.query(dir))));
    }

    public void mkdir(String id, String dir) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("path", dir);
        post(path(id) + "/files/mkdir", body, Duration.ZERO);
    }

    public void deleteFile(String id, String remotePath, boolean recursive) {
        client.call("DELETE", path(id) + "/files?path=" + EraClient.query(remotePath)
                + (recursive ? "&recursive=true" : ""), null, null, Duration.ZERO);
    }

    /**
     * Saves the sandbox's workspace.
     *
     * @param async return while the snapshot is {@code in_progress}; poll {@link #snapshotInfo}
     */
    public Snapshot snapshot(String id, String name, boolean async) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name).put("async", async);
        return SandboxWire.snapshot(post(path(id) + "/snapshots", body, async ? Duration.ZERO : MAX_WAIT));
    }

    public List<Snapshot> snapshots() {
        return SandboxWire.snapshots(client.fetch("/snapshots"));
    }

    public Snapshot snapshotInfo(String snapshotId) {
        return SandboxWire.snapshot(client.fetch("/snapshots/" + EraClient.segment(snapshotId)));
    }

    public void deleteSnapshot(String snapshotId) {
        client.call("DELETE", "/snapshots/" + EraClient.segment(snapshotId), null, null, Duration.ZERO);
    }

    /**
     * Starts an interactive command over a WebSocket. Output goes to {@code output} on a background
     * thread, in order, ending with a STATUS chunk.
     */
    public InteractiveSession attach(String id, AttachOptions options, Consumer<OutputChunk> output) {
        StringBuilder q = new StringBuilder("?tty=").append(options.tty()).append("&rows=").append(options.rows())
                .append("&cols=").append(options.cols());
        if (!options.command().isEmpty()) {
            q.append("&command=").append(EraClient.query(options.command()));
        }
        if (!options.shell().isEmpty()) {
            q.append("&shell=").append(EraClient.query(options.shell()));
        }
        String key = WebSocketChannel.newKey();
        String headers = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Protocol: era.channel.v1\r\n";
        Object answer = http.upgrade(path(id) + "/ws" + q, headers, ANSWER_TIME);
        if (answer instanceof Http1.Reply refused) {
            throw refused.status() >= 400 ? client.failure(refused) : new EraClientException(refused.status(),
                    "bad_answer", "the daemon did not switch to a WebSocket (status " + refused.status() + ")", null);
        }
        Http1.Upgraded up = (Http1.Upgraded) answer;
        if (!WebSocketChannel.accept(key).equals(up.headers().get("sec-websocket-accept"))) {
            Http1.closeQuietly(up.channel());
            throw new EraClientException(101, "bad_answer", "the daemon's WebSocket handshake did not match the key",
                    null);
        }
        return InteractiveSession.start(new WebSocketChannel(up.channel(), up.in()), client.target(), output);
    }

    private JsonNode post(String target, JsonNode body, Duration wait) {
        byte[] bytes = body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
        return client.call("POST", target, body == null ? null : JSON, bytes, wait);
    }

    private static String path(String id) {
        return "/sandboxes/" + EraClient.segment(id);
    }

    private static String execPath(String id, String executionId) {
        return path(id) + "/executions/" + EraClient.segment(executionId);
    }
}
