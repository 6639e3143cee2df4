package dev.era.engine.process;

import dev.era.api.EngineHandle;
import dev.era.api.Workload;
import dev.era.testing.Terminal;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Interactive programs on a terminal exec'd into a sandbox, driven as a person would. */
class SandboxTerminalTest extends SandboxTestSupport {

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private Terminal bash(EngineHandle h) {
        Terminal term = Terminal.open(engine, h, 24, 80, "bash", "--norc", "-i");
        term.type("PS1='$ '\r");
        term.await("$ ", TIMEOUT);
        return term;
    }

    @Test
    void bashAnswersOnTheTerminal() {
        EngineHandle h = start(workload(sandbox()));

        try (Terminal term = bash(h)) {
            term.type("echo $((6*7))\r");
            term.await("42", TIMEOUT);
            term.type("tty; stat -c %U $(tty)\r");
            // the terminal is the sandbox's own, in its devpts, and belongs to its user
            term.await("/dev/pts/0", TIMEOUT);
            term.await("user", TIMEOUT);
            term.type("exit 3\r");
            assertThat(term.process().exitCode()).succeedsWithin(TIMEOUT).isEqualTo(3);
        }
    }

    @Test
    void aResizeReachesTheForegroundJob() {
        EngineHandle h = start(workload(sandbox()));

        try (Terminal term = bash(h)) {
            term.type("stty size\r");
            term.await("24 80", TIMEOUT);
            term.resize(30, 100);
            term.type("stty size\r");
            term.await("30 100", TIMEOUT);
            // a program waiting in the foreground is told (SIGWINCH) without typing anything
            term.type("bash -c 'trap \"stty size\" WINCH; echo wait\"\"ing; while :; do sleep 0.05; done'\r");
            term.await("waiting", TIMEOUT);
            term.resize(40, 120);
            term.await("40 120", TIMEOUT);
        }
    }

    @Test
    void ctrlCInterruptsTheForegroundJobButNotTheShell() {
        EngineHandle h = start(workload(sandbox()));

        try (Terminal term = bash(h)) {
            term.type("sleep 100; echo sl\"\"ept\r");
            term.await("ept", TIMEOUT);
            pause(200); // sleep runs by now
            term.type("\u0003");
            term.type("echo after-$((1+1))\r");
            String seen = term.await("after-2", TIMEOUT);
            assertThat(seen).doesNotContain("slept");
        }
    }

    @Test
    void thePythonReplWorks() {
        EngineHandle h = start(workload(sandbox()));

        try (Terminal term = Terminal.open(engine, h, 24, 80, "python3", "-q")) {
            term.await(">>> ", TIMEOUT);
            term.type("print(6 * 7)\r");
            term.await("42", TIMEOUT);
            term.type("exit()\r");
            assertThat(term.process().exitCode()).succeedsWithin(TIMEOUT).isEqualTo(0);
        }
    }

    @Test
    void vimEditsAFileInTheWorkspace() throws IOException {
        Workload w = workload(sandbox());
        EngineHandle h = start(w);

        try (Terminal term = Terminal.open(engine, h, 24, 80, "vim", "-u", "NONE", "-N", "/workspace/notes.txt")) {
            term.await("notes.txt", TIMEOUT);
            term.type("ihello from vim\u001b:wq\r");
            assertThat(term.process().exitCode()).succeedsWithin(TIMEOUT).isEqualTo(0);
        }
        Path notes = engine.fileRoots(w).get("/workspace").resolve("notes.txt");
        assertThat(Files.readString(notes)).isEqualTo("hello from vim\n");
        assertThat(Files.getAttribute(notes, "unix:uid")).isEqualTo(SandboxHost.DEFAULT_HOST_ID);
    }

    @Test
    void topShowsTheSandboxsProcessesAndQuits() {
        EngineHandle h = start(workload(sandbox()));

        try (Terminal term = Terminal.open(engine, h, 24, 100, "top", "-d", "0.2")) {
            term.await("PID", TIMEOUT);
            term.await("top", TIMEOUT);
            term.type("q");
            assertThat(term.process().exitCode()).succeedsWithin(TIMEOUT).isEqualTo(0);
        }
    }
}
