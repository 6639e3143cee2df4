package dev.era.cli;

import dev.era.client.ExecSpec;
import dev.era.client.Execution;
import dev.era.client.OutputChunk;
import dev.era.client.Sandboxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Runs a command and passes its output through as it comes: stdout to stdout, stderr to stderr,
 * byte for byte; the CLI exits with the command's exit code (as {@code docker exec} does).
 */
@Command(name = "exec", description = "Run a command in a sandbox, streaming its output; exits with its exit code.")
final class SandboxExecCommand implements Callable<Integer> {
    @ParentCommand
    SandboxCommand sandbox;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD",
            description = "The command after --; one word is a command line for bash (so 'ls | wc -l' works).")
    List<String> command;

    @Option(names = "--shell", defaultValue = "", paramLabel = "NAME",
            description = "A named shell: commands with the same name share directory and exported variables.")
    String shell;

    @Option(names = {"-w", "--workdir"}, defaultValue = "", paramLabel = "DIR", description = "Where to run (default /workspace).")
    String workingDir;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "An environment variable (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Kill the command after this long.")
    Duration timeout = Duration.ZERO;

    @Option(names = {"-i", "--stdin"}, description = "Pass this process's standard input to the command.")
    boolean stdin;

    @Override
    public Integer call() throws InterruptedException {
        Sandboxes sandboxes = sandbox.sandboxes();
        ExecSpec spec = ExecSpec.argv(command.toArray(String[]::new)).inShell(shell).withWorkingDir(workingDir)
                .withEnv(env).withTimeout(timeout);
        Execution e = sandboxes.execAsync(id, spec);
        if (stdin) {
            Thread feeder = new Thread(() -> feed(sandboxes, e.executionId()), "era-exec-stdin");
            feeder.setDaemon(true);
            feeder.start();
        }
        sandbox.root.out().flush();
        OutputStream out = sandbox.root.stdio().out();
        OutputStream err = sandbox.root.stdio().err();
        return sandboxes.output(id, e.executionId(), c -> {
            try {
                switch (c.kind()) {
                    case STDOUT -> write(out, c);
                    case STDERR -> write(err, c);
                    case STATUS -> { }
                }
            } catch (IOException x) {
                throw new UncheckedIOException("cannot write the command's output: " + x.getMessage(), x);
            }
        });
    }

    private static void write(OutputStream to, OutputChunk c) throws IOException {
        to.write(c.data());
        to.flush();
    }

    private void feed(Sandboxes sandboxes, String executionId) {
        InputStream in = sandbox.root.stdio().in();
        byte[] buf = new byte[64 * 1024];
        try {
            for (int n; (n = in.read(buf)) != -1; ) {
                sandboxes.sendStdin(id, executionId, Arrays.copyOf(buf, n), false);
            }
            sandboxes.sendStdin(id, executionId, new byte[0], true);
        } catch (IOException | RuntimeException x) {
            // the command ended or the daemon went away; the output stream reports what happened
        }
    }
}
