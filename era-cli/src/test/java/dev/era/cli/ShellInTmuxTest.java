package dev.era.cli;

import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.FakeInteractive;
import dev.era.http.FakeSandboxService;
import dev.era.http.HttpConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code era shell} as a person uses it: the real CLI in its own JVM inside a tmux pane (a real
 * terminal), typed at with send-keys and read with capture-pane, against a server whose fake
 * sandbox runs bash on a pseudo-terminal.
 */
class ShellInTmuxTest {
    private static final long WAIT_MS = 20_000;

    @TempDir
    Path dataDir;
    private FakeSandboxService fake;
    private EraServer server;

    @BeforeEach
    void start() {
        fake = new FakeSandboxService(dataDir.resolve("sandboxes"));
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dataDir.resolve("era.sock"))),
                new FakeDeploymentService(), fake, new FakeAuthenticator());
    }

    @AfterEach
    void stop() throws Exception {
        tmux("kill-server");
        fake.reset();
        server.close();
    }

    @Test
    void bashPythonAndVimWorkCtrlCReachesTheSandboxResizesFollowAndTheTerminalIsRestored() throws Exception {
        String id = SandboxCliTest.eraWithDataDir(dataDir, "sandbox", "create", "-q").trim();
        String java = ProcessHandle.current().info().command().orElse("java");
        String cli = quote(java) + " -cp " + quote(System.getProperty("java.class.path")) + " dev.era.cli.Main"
                + " --data-dir " + quote(dataDir.toString()) + " shell " + id;
        // after the CLI: its exit code and whether echo and canonical input are back on, then stay for capture-pane
        String script = cli + "; echo \"EXIT=$?\"; echo \"TTY: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon"
                + " | tr '\\n' ' ')\"; sleep 60";
        tmux("new-session", "-d", "-s", "era", "-x", "100", "-y", "30", "sh", "-c", script);
        tmux("set-option", "-t", "era", "status", "off");

        screenShows(s -> s.contains(FakeInteractive.PROMPT.trim()), "the sandbox's prompt"); // capture-pane drops trailing blanks
        FakeInteractive session = fake.interactives().getFirst();
        assertThat(session.request().tty()).isTrue();
        assertThat(session.request().rows() + "x" + session.request().cols()).isEqualTo(paneSize());

        tmux("send-keys", "-t", "era", "echo $((6*7))", "Enter");
        screenShows(s -> s.lines().anyMatch(l -> l.trim().equals("42")), "the echo's result");

        tmux("send-keys", "-t", "era", "sleep 100", "Enter");
        Thread.sleep(500);
        tmux("send-keys", "-t", "era", "C-c");
        tmux("send-keys", "-t", "era", "echo after-$((1+1))", "Enter");
        // within seconds, not after the 100 s sleep: Ctrl-C reached the sandbox and not the local CLI
        screenShows(s -> s.lines().anyMatch(l -> l.trim().equals("after-2")), "the shell back after Ctrl-C");

        tmux("resize-window", "-t", "era", "-x", "120", "-y", "40");
        String resized = paneSize();
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (session.resizes().stream().noneMatch(r -> (r[0] + "x" + r[1]).equals(resized))) {
            assertThat(System.currentTimeMillis()).as("a resize to " + resized + "; got " + session.resizes().stream()
                    .map(r -> r[0] + "x" + r[1]).toList()).isLessThan(deadline);
            Thread.sleep(50);
        }

        tmux("send-keys", "-t", "era", "python3 -q", "Enter");
        screenShows(x -> lastLine(x).equals(">>>"), "the Python REPL");
        tmux("send-keys", "-t", "era", "print(6*7)", "Enter");
        screenShows(x -> x.contains("print(6*7)\n42\n>>>"), "Python's answer");
        tmux("send-keys", "-t", "era", "C-d");
        screenShows(x -> lastLine(x).equals(FakeInteractive.PROMPT.trim()), "the prompt after Python");

        tmux("send-keys", "-t", "era", "vim -u NONE -n v.txt", "Enter");
        screenShows(x -> x.lines().filter(l -> l.equals("~")).count() > 10, "vim's empty buffer");
        tmux("send-keys", "-t", "era", "ihello from vim");
        screenShows(x -> x.startsWith("hello from vim"), "the text typed into vim");
        tmux("send-keys", "-t", "era", "Escape");
        Thread.sleep(300); // vim reads an Escape followed at once by ':' as Alt-:
        tmux("send-keys", "-t", "era", ":wq", "Enter");
        screenShows(x -> lastLine(x).equals(FakeInteractive.PROMPT.trim()), "the prompt after vim");
        tmux("send-keys", "-t", "era", "cat v.txt", "Enter");
        screenShows(x -> x.contains("cat v.txt\nhello from vim\n"), "the file vim wrote");

        tmux("send-keys", "-t", "era", "exit 3", "Enter");
        String screen = screenShows(s -> s.contains("TTY:"), "the CLI's exit");
        assertThat(screen).contains("EXIT=3");
        String tty = screen.lines().filter(l -> l.startsWith("TTY:")).findFirst().orElseThrow();
        assertThat(tty).as("echo and canonical input are back on after the shell").contains("icanon").contains("echo");
    }

    private static String lastLine(String screen) {
        return screen.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("").trim();
    }

    private String paneSize() throws Exception {
        String[] hw = tmux("display-message", "-p", "-t", "era", "#{pane_height} #{pane_width}").trim().split(" ");
        return hw[0] + "x" + hw[1];
    }

    private String screenShows(Predicate<String> wanted, String what) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        String screen = "";
        while (System.currentTimeMillis() < deadline) {
            screen = tmux("capture-pane", "-p", "-t", "era");
            if (wanted.test(screen)) {
                return screen;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the screen did not show " + what + " within " + WAIT_MS + " ms:\n" + screen);
    }

    /** Runs tmux on this test's own server (its socket in the temp dir), so that no other tmux is touched. */
    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-S", dataDir.resolve("tmux.sock").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().remove("TMUX");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0 && !args[0].equals("kill-server")) {
            throw new IOException("tmux " + String.join(" ", args) + " failed (" + code + "): " + out);
        }
        return out;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
