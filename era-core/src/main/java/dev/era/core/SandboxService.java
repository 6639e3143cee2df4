package dev.era.core;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the API layer asks of the core about sandboxes. Every method takes the caller: a sandbox,
 * execution or snapshot of another tenant is reported as not found. Activity (exec, files,
 * keep-alive) resets the idle timer; a suspended sandbox is resumed by an exec or file operation.
 */
public interface SandboxService {
    /** Creates a sandbox (from the warm pool when one fits) and waits until it runs or fails. */
    Sandbox create(Caller caller, SandboxRequest request);

    Sandbox get(Caller caller, String id);

    List<Sandbox> list(Caller caller);

    /** Stops the sandbox and removes it with its files; its snapshots stay. */
    Sandbox delete(Caller caller, String id);

    Sandbox suspend(Caller caller, String id);

    Sandbox resume(Caller caller, String id);

    /** Counts as activity: pushes the idle suspension back. */
    Sandbox keepAlive(Caller caller, String id);

    /** Runs a command to its end (or its timeout) and returns its output, capped per stream. */
    Execution execSync(Caller caller, String sandboxId, ExecRequest request);

    /** Starts a command and returns at once; follow, wait, kill or feed it by id. */
    Execution execAsync(Caller caller, String sandboxId, ExecRequest request);

    Execution execution(Caller caller, String sandboxId, String executionId);

    List<Execution> executions(Caller caller, String sandboxId);

    /** Waits until the execution finishes or the timeout passes; returns its current view. */
    Execution await(Caller caller, String sandboxId, String executionId, Duration timeout);

    Execution kill(Caller caller, String sandboxId, String executionId);

    void sendStdin(Caller caller, String sandboxId, String executionId, byte[] data, boolean close);

    /** Delivers output from {@code offset} (per stream) on, live, then a STATUS chunk at the end. */
    Subscription followOutput(Caller caller, String sandboxId, String executionId, long stdoutOffset,
                              long stderrOffset, Consumer<OutputChunk> sink);

    /** Starts a command for a streaming client (PTY or pipes). */
    Interactive interactive(Caller caller, String sandboxId, ExecRequest request);

    List<FileEntry> listFiles(Caller caller, String sandboxId, String path);

    /** The file's bytes; the caller closes the stream. */
    InputStream readFile(Caller caller, String sandboxId, String path);

    /** Writes (creating parent directories) from the stream; returns the bytes written. */
    long writeFile(Caller caller, String sandboxId, String path, InputStream data);

    void mkdir(Caller caller, String sandboxId, String path);

    void deleteFile(Caller caller, String sandboxId, String path, boolean recursive);

    /** Saves the workspace; {@code async} returns while the snapshot is {@code in_progress}. */
    Snapshot snapshot(Caller caller, String sandboxId, String name, boolean async);

    List<Snapshot> snapshots(Caller caller);

    Snapshot snapshotInfo(Caller caller, String snapshotId);

    void deleteSnapshot(Caller caller, String snapshotId);
}
