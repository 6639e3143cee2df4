package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.era.core.SandboxFixture.ACME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxExecTest {
    @TempDir
    Path dir;
    SandboxFixture f;
    String sb;

    @BeforeEach
    void start() {
        f = new SandboxFixture(dir, SandboxFixture.config().withOutputLimits(1 << 20, 64 * 1024, 4));
        sb = f.sandboxes.create(ACME, SandboxFixture.request("", Map.of("FROM_SANDBOX", "yes"), Duration.ZERO)).id();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private static ExecRequest request(List<String> command, String shell, Map<String, String> env, Duration timeout,
                                       long maxOutput) {
        return new ExecRequest(command, shell, env, "", timeout, maxOutput, false, 24, 80);
    }

    @Test
    void aSingleStringRunsInAShellInTheWorkspaceWithItsOutputAndExitCode() {
        Execution x = f.sh(ACME, sb, "echo out; echo err >&2; pwd; exit 3");

        assertThat(x.status()).isEqualTo("completed");
        assertThat(x.exitCode()).isEqualTo(3);
        assertThat(x.stdout()).startsWith("out\n").endsWith("/workspace\n");
        assertThat(x.stderr()).isEqualTo("err\n");
        assertThat(x.truncated()).isFalse();
        assertThat(x.id()).matches("ex-[0-9a-f]{12}");
        assertThat(x.finished()).isTrue();
    }

    @Test
    void anArgvRunsAsIsWithoutAShell() {
        Execution x = f.sandboxes.execSync(ACME, sb, request(List.of("printf", "%s|", "a b", "$HOME"), "", Map.of(),
                Duration.ZERO, 0));

        assertThat(x.stdout()).isEqualTo("a b|$HOME|");
    }

    @Test
    void commandsSeeTheSandboxsEnvironmentUnderTheRequests() {
        Execution x = f.sandboxes.execSync(ACME, sb, request(List.of("echo $FROM_SANDBOX $FROM_REQUEST"), "",
                Map.of("FROM_REQUEST", "too"), Duration.ZERO, 0));

        assertThat(x.stdout()).isEqualTo("yes too\n");
    }

    @Test
    void outputBeyondTheCapIsCutAndFlaggedPerStream() {
        Execution x = f.sandboxes.execSync(ACME, sb, request(List.of("head -c 5000 /dev/zero | tr '\\0' a; echo -n e >&2"),
                "", Map.of(), Duration.ZERO, 1000));

        assertThat(x.stdout()).hasSize(1000).matches("a+");
        assertThat(x.stderr()).isEqualTo("e");
        assertThat(x.truncated()).isTrue();
    }

    @Test
    void aSyncExecIsKilledAtItsTimeoutAndSaysSo() throws Exception {
        int timers = f.scheduler.pendingTimers();
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> f.sandboxes.execSync(ACME, sb,
                request(List.of("echo started; sleep 30"), "", Map.of(), Duration.ofSeconds(5), 0)));
        SandboxFixture.until(() -> f.scheduler.pendingTimers(), n -> n > timers);
        SandboxFixture.until(() -> f.sandboxes.executions(ACME, sb), l -> !l.isEmpty() && l.getFirst().stdout().equals("started\n"));

        f.scheduler.advance(Duration.ofSeconds(5));
        Execution x = pending.get(10, TimeUnit.SECONDS);

        assertThat(x.status()).isEqualTo("timed_out");
        assertThat(x.exitCode()).isEqualTo(137);
        assertThat(x.stdout()).isEqualTo("started\n");
    }

    @Test
    void anAsyncExecIsAwaitedByIdAndListed() {
        Execution started = f.sandboxes.execAsync(ACME, sb, ExecRequest.of("sleep 0.2; echo done"));
        assertThat(started.status()).isEqualTo("running");
        assertThat(started.exitCode()).isEqualTo(-1);

        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                f.sandboxes.await(ACME, sb, started.id(), Duration.ofMinutes(1)));
        Execution done = pending.join();

        assertThat(done.status()).isEqualTo("completed");
        assertThat(done.stdout()).isEqualTo("done\n");
        assertThat(f.sandboxes.execution(ACME, sb, started.id())).isEqualTo(done);
        assertThat(f.sandboxes.executions(ACME, sb)).extracting(Execution::id).contains(started.id());
    }

    @Test
    void awaitReturnsTheRunningViewWhenItsTimeoutPassesFirst() throws Exception {
        Execution started = f.sandboxes.execAsync(ACME, sb, ExecRequest.of("sleep 30"));
        int timers = f.scheduler.pendingTimers();
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                f.sandboxes.await(ACME, sb, started.id(), Duration.ofSeconds(10)));
        SandboxFixture.until(() -> f.scheduler.pendingTimers(), n -> n > timers);

        f.scheduler.advance(Duration.ofSeconds(10));

        assertThat(pending.get(10, TimeUnit.SECONDS).status()).isEqualTo("running");
        f.sandboxes.kill(ACME, sb, started.id());
    }

    @Test
    void killEndsACommandAndItsChildren() {
        Execution started = f.sandboxes.execAsync(ACME, sb, ExecRequest.of("sleep 30 & sleep 30; echo never"));

        Execution killed = f.sandboxes.kill(ACME, sb, started.id());

        assertThat(killed.status()).isEqualTo("killed");
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(killed.stdout()).isEmpty();
    }

    @Test
    void stdinReachesTheCommandAndClosingItEndsTheInput() {
        Execution started = f.sandboxes.execAsync(ACME, sb, ExecRequest.of("tr a-z A-Z"));

        f.sandboxes.sendStdin(ACME, sb, started.id(), "hello ".getBytes(StandardCharsets.UTF_8), false);
        f.sandboxes.sendStdin(ACME, sb, started.id(), "world".getBytes(StandardCharsets.UTF_8), true);

        Execution done = f.sandboxes.await(ACME, sb, started.id(), Duration.ofMinutes(1));
        assertThat(done.stdout()).isEqualTo("HELLO WORLD");
        assertThatThrownBy(() -> f.sandboxes.sendStdin(ACME, sb, started.id(), new byte[1], false))
                .isInstanceOf(ConflictException.class).hasMessageContaining("finished");
    }

    @Test
    void followDeliversOutputWithOffsetsPerStreamThenTheStatus() {
        Execution x = f.sandboxes.execAsync(ACME, sb, ExecRequest.of("printf abc; printf XY >&2; sleep 0.1; printf def; exit 7"));
        List<OutputChunk> chunks = new CopyOnWriteArrayList<>();

        Subscription s = f.sandboxes.followOutput(ACME, sb, x.id(), 0, 0, chunks::add);
        try {
            SandboxFixture.until(() -> chunks, l -> !l.isEmpty() && l.getLast().stream() == OutputChunk.STATUS);
        } finally {
            s.close();
        }

        assertThat(text(chunks, OutputChunk.STDOUT)).isEqualTo("abcdef");
        assertThat(text(chunks, OutputChunk.STDERR)).isEqualTo("XY");
        assertThat(chunks.getLast().exitCode()).isEqualTo(7);
        for (int stream : new int[] {OutputChunk.STDOUT, OutputChunk.STDERR}) {
            long expected = 0;
            for (OutputChunk c : chunks.stream().filter(c -> c.stream() == stream).toList()) {
                assertThat(c.offset()).isEqualTo(expected);
                expected += c.data().length;
            }
        }
    }

    @Test
    void followFromAnOffsetResumesWithoutGapsOrRepeats() {
        Execution x = f.sandboxes.execSync(ACME, sb, ExecRequest.of("printf 0123456789; printf abcdef >&2"));
        List<OutputChunk> chunks = new CopyOnWriteArrayList<>();

        Subscription s = f.sandboxes.followOutput(ACME, sb, x.id(), 4, 6, chunks::add);
        try {
            SandboxFixture.until(() -> chunks, l -> !l.isEmpty() && l.getLast().stream() == OutputChunk.STATUS);
        } finally {
            s.close();
        }

        assertThat(text(chunks, OutputChunk.STDOUT)).isEqualTo("456789");
        assertThat(chunks.stream().filter(c -> c.stream() == OutputChunk.STDOUT).findFirst().orElseThrow().offset())
                .isEqualTo(4);
        assertThat(text(chunks, OutputChunk.STDERR)).isEmpty();
    }

    @Test
    void followKeepsOnlyTheWindowAndResumesFromItsStart() {
        // the window is 64 KiB: of 200 KiB only the last part is kept, and offsets say where it starts
        Execution x = f.sandboxes.execSync(ACME, sb, request(List.of("head -c 204800 /dev/zero"), "", Map.of(),
                Duration.ZERO, 10));
        List<OutputChunk> chunks = new CopyOnWriteArrayList<>();

        Subscription s = f.sandboxes.followOutput(ACME, sb, x.id(), 0, 0, chunks::add);
        try {
            SandboxFixture.until(() -> chunks, l -> !l.isEmpty() && l.getLast().stream() == OutputChunk.STATUS);
        } finally {
            s.close();
        }

        List<OutputChunk> out = chunks.stream().filter(c -> c.stream() == OutputChunk.STDOUT).toList();
        long first = out.getFirst().offset();
        long total = out.stream().mapToLong(c -> c.data().length).sum();
        assertThat(first).isPositive();
        assertThat(first + total).isEqualTo(204800);
        assertThat(total).isLessThanOrEqualTo(64 * 1024 + 64 * 1024);
    }

    @Test
    void aSlowFollowerNeverHoldsUpTheCommand() {
        Execution x = f.sandboxes.execAsync(ACME, sb, ExecRequest.of("head -c 3000000 /dev/zero"));
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        Subscription s = f.sandboxes.followOutput(ACME, sb, x.id(), 0, 0, c -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Execution done = f.sandboxes.await(ACME, sb, x.id(), Duration.ofMinutes(1));
            assertThat(done.status()).isEqualTo("completed");
        } finally {
            s.close();
        }
    }

    @Test
    void aNamedShellKeepsItsWorkingDirectoryAndExportedVariables() {
        ExecRequest cd = request(List.of("mkdir -p sub/deeper && cd sub/deeper && export TOKEN=s3cr3t && X=local"),
                "main", Map.of(), Duration.ZERO, 0);
        ExecRequest look = request(List.of("pwd; echo ${TOKEN:-unset} ${X:-unset}"), "main", Map.of(), Duration.ZERO, 0);
        ExecRequest other = request(List.of("pwd; echo ${TOKEN:-unset}"), "other", Map.of(), Duration.ZERO, 0);

        f.sandboxes.execSync(ACME, sb, cd);
        Execution x = f.sandboxes.execSync(ACME, sb, look);
        Execution y = f.sandboxes.execSync(ACME, sb, other);

        assertThat(x.stdout()).endsWith("/workspace/sub/deeper\ns3cr3t unset\n");
        assertThat(x.shell()).isEqualTo("main");
        assertThat(y.stdout()).endsWith("/workspace\nunset\n");
    }

    @Test
    void aNamedShellKeepsItsStateAcrossAnExitAndRunsItsCommandsOneAtATime() {
        ExecRequest first = request(List.of("cd /tmp && export STEP=1 && sleep 0.3 && exit 4"), "s", Map.of(),
                Duration.ZERO, 0);
        ExecRequest second = request(List.of("echo $STEP; pwd"), "s", Map.of(), Duration.ZERO, 0);

        Execution a = f.sandboxes.execAsync(ACME, sb, first);
        Execution b = f.sandboxes.execAsync(ACME, sb, second);
        Execution bDone = f.sandboxes.await(ACME, sb, b.id(), Duration.ofMinutes(1));

        assertThat(f.sandboxes.execution(ACME, sb, a.id()).exitCode()).isEqualTo(4);
        assertThat(bDone.stdout()).startsWith("1\n").endsWith("/tmp\n");
    }

    @Test
    void aQueuedNamedShellCommandKilledBeforeItStartsNeverRuns() {
        Execution a = f.sandboxes.execAsync(ACME, sb, request(List.of("sleep 0.3"), "q", Map.of(), Duration.ZERO, 0));
        Execution b = f.sandboxes.execAsync(ACME, sb, request(List.of("touch ran"), "q", Map.of(), Duration.ZERO, 0));

        assertThat(f.sandboxes.kill(ACME, sb, b.id()).status()).isEqualTo("killed");
        f.sandboxes.await(ACME, sb, a.id(), Duration.ofMinutes(1));
        assertThat(f.sh(ACME, sb, "ls ran 2>/dev/null || echo absent").stdout()).isEqualTo("absent\n");
    }

    @Test
    void onlyTheLastExecutionsAreKeptAndOldOnesAreNotFound() {
        List<Execution> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            runs.add(f.sh(ACME, sb, "echo " + i));
        }

        assertThat(f.sandboxes.executions(ACME, sb)).hasSize(4);
        assertThatThrownBy(() -> f.sandboxes.execution(ACME, sb, runs.getFirst().id()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("do not survive a daemon restart");
    }

    @Test
    void badExecRequestsAreRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> f.sandboxes.execSync(ACME, sb, request(List.of(), "", Map.of(), Duration.ZERO, 0)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("command is empty");
        assertThatThrownBy(() -> f.sandboxes.execSync(ACME, sb, request(List.of("ls"), "../x", Map.of(), Duration.ZERO, 0)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("shell name");
        assertThatThrownBy(() -> f.sandboxes.execSync(ACME, sb, request(List.of("ls"), "", Map.of("A-B", "x"),
                Duration.ZERO, 0))).isInstanceOf(BadRequestException.class).hasMessageContaining("A-B");
        assertThatThrownBy(() -> f.sandboxes.execSync(ACME, sb, new ExecRequest(List.of("ls"), "", Map.of(),
                "/workspace/../../etc", Duration.ZERO, 0, false, 24, 80))).isInstanceOf(BadRequestException.class);
    }

    @Test
    void anInteractiveCommandStreamsRawAndIsRecordedAsAnExecution() throws Exception {
        try (Interactive i = f.sandboxes.interactive(ACME, sb, new ExecRequest(List.of("cat"), "", Map.of(), "",
                Duration.ZERO, 0, false, 24, 80))) {
            i.stdin().write("ping\n".getBytes(StandardCharsets.UTF_8));
            i.stdin().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            i.stdout().transferTo(out);

            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("ping\n");
            assertThat(i.exitCode().get(10, TimeUnit.SECONDS)).isZero();
            assertThat(SandboxFixture.until(() -> f.sandboxes.execution(ACME, sb, i.executionId()), Execution::finished)
                    .status()).isEqualTo("completed");
        }
    }

    private static String text(List<OutputChunk> chunks, int stream) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        chunks.stream().filter(c -> c.stream() == stream).forEach(c -> b.writeBytes(c.data()));
        return b.toString(StandardCharsets.UTF_8);
    }
}
