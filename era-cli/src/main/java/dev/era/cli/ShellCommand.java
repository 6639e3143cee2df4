package dev.era.cli;

import dev.era.client.AttachOptions;
import dev.era.client.EraClientException;
import dev.era.client.InteractiveSession;
import dev.era.client.OutputChunk;
import dev.era.client.Sandboxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * An interactive shell in a sandbox, in this terminal: the terminal goes raw (every key, Ctrl-C
 * included, goes to the sandbox), its size follows the window, and it is restored however the
 * session ends. Exits with the remote shell's exit code.
 */
@Command(name = "shell", description = "Open an interactive shell in a sandbox in this terminal; Ctrl-C goes to the sandbox.")
final class ShellCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "ID", description = "Sandbox id.")
    String id;

    @Option(names = {"-c", "--command"}, defaultValue = "", paramLabel = "CMD",
            description = "Run this command line on the terminal instead of the login shell (such as 'python3' or 'vim').")
    String command;

    @Override
    public Integer call() throws InterruptedException {
        Sandboxes sandboxes = root.client().sandboxes();
        Terminal terminal = Terminal.open().orElseThrow(() -> new CliException("era shell needs a terminal on standard"
                + " input; to run a command from a script use `era sandbox exec " + id + " -- CMD`", EraCli.USAGE));
        try (terminal) {
            Terminal.Size size = terminal.size();
            OutputStream out = root.stdio().out();
            root.out().flush();
            InteractiveSession session = sandboxes.attach(id, new AttachOptions(command, true, size.rows(), size.cols(),
                    ""), c -> show(out, c));
            terminal.raw();
            terminal.onResize(s -> session.resize(s.rows(), s.cols()));
            Thread keys = new Thread(() -> forward(root.stdio().in(), session), "era-shell-keys");
            keys.setDaemon(true);
            keys.start();
            return session.exitCode().get();
        } catch (IOException e) {
            throw new CliException("cannot put the terminal in raw mode: " + e.getMessage());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof EraClientException x ? x
                    : new CliException("the session ended: " + e.getCause().getMessage());
        }
    }

    private static void show(OutputStream out, OutputChunk c) {
        if (c.data().length == 0) {
            return;
        }
        try {
            out.write(c.data());
            out.flush();
        } catch (IOException e) {
            // the terminal is gone; the session ends when the daemon notices
        }
    }

    /** Keystrokes as they are typed; end of input (not a terminal's Ctrl-D, which is a byte) closes stdin. */
    private static void forward(InputStream in, InteractiveSession session) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) != -1; ) {
                session.send(buf, 0, n);
            }
            session.closeStdin();
        } catch (IOException | EraClientException e) {
            // the session ended; its exit code (or failure) is what the command reports
        }
    }
}
