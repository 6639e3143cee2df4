package dev.era.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.HttpConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the CLI in-process against a real server (Unix socket and TCP) backed by the fake service. */
class EraCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dataDir;
    @TempDir
    Path work;
    static final FakeDeploymentService fake = new FakeDeploymentService();
    static EraServer server;

    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }
    }

    @BeforeAll
    static void start() {
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dataDir.resolve("era.sock"))), fake,
                new FakeAuthenticator());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static Run era(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = EraCli.run(new PrintWriter(out), new PrintWriter(err), env, Path.of("/nonexistent-home"), args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Run era(String... args) {
        return era(Map.of("ERA_DATA_DIR", dataDir.toString()), args);
    }

    private Path spec(String name, String extra) throws IOException {
        Path f = work.resolve(name + ".yaml");
        Files.writeString(f, "name: " + name + "\ncommand: [sleep, '100']\n" + extra);
        return f;
    }

    @Test
    void deployFollowsTheDeploymentUntilItRuns() throws IOException {
        Run r = era("deploy", "-f", spec("web", "").toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("accepted").contains("  VALIDATING").contains("  ACTIVATING").contains("  RUNNING")
                .containsPattern("web is RUNNING \\(id d-[0-9a-f]{12}, pid \\d+\\)");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void deployFollowsFromTheNewestEventInsteadOfReadingTheWholeLog() throws IOException {
        for (int i = 0; i < 50; i++) {
            fake.publish("default", "info", "history " + i);
        }

        Run r = era("deploy", "-f", spec("web", "").toString());

        assertThat(r.exit()).as(r.err()).isZero();
        // the head is read with a one-event page; the stream's history starts at the head
        assertThat(fake.eventReads()).allSatisfy(read -> assertThat(read[0] == 50 || read[1] == 1)
                .as("read of %d events after %d", read[1], read[0]).isTrue());
        assertThat(fake.eventReads()).anySatisfy(read -> assertThat(read[0]).isEqualTo(50));
        assertThat(r.out()).contains("  RUNNING").doesNotContain("history");
    }

    @Test
    void updateHistoryAndRollbackWalkTheVersions() throws IOException {
        assertThat(era("deploy", "-f", spec("web", "").toString()).exit()).isZero();

        Run updated = era("update", "web", "-f", spec("web", "env: {V: two}\n").toString());
        Run history = era("history", "web");
        Run back = era("rollback", "web", "--to", "1");
        Run json = era("-o", "json", "history", "web");
        Run missing = era("rollback", "web", "--to", "9");

        assertThat(updated.exit()).as(updated.err()).isZero();
        assertThat(history.out()).contains("VERSION").contains("CHANGED").contains("(first version)").contains("env");
        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(json.json().get(1).get("spec").get("env").get("V").asText()).isEqualTo("two");
        assertThat(json.json().get(0).get("current").asBoolean()).isTrue();
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no version 9");
    }

    @Test
    void keysCreateIssuesAKeyThatWorksOnTcpAndLsListsItWithoutTheSecret() {
        Run created = era("-o", "json", "keys", "create", "--tenant", "acme", "--label", "ci");
        assertThat(created.exit()).as(created.err()).isZero();
        String secret = created.json().get("key").asText();

        Run ls = era("keys", "ls");
        assertThat(ls.exit()).isZero();
        assertThat(ls.out()).contains("ID").contains("TENANT").contains("acme").contains("ci").doesNotContain(secret);
        Run asAcme = era(Map.of(), "--url", "http://127.0.0.1:" + server.tcpPort(), "--api-key", secret, "ps");
        assertThat(asAcme.exit()).as(asAcme.err()).isZero();

        Run people = era("keys", "create", "--tenant", "acme");
        assertThat(people.out()).contains("for tenant acme").contains("shown only now").containsPattern("\\n  \\S+\\n");
    }

    @Test
    void keysNeedAnAdminCallerAndATenant() {
        String url = "http://127.0.0.1:" + server.tcpPort();

        Run tenant = era(Map.of(), "--url", url, "--api-key", FakeAuthenticator.KEY_A, "keys", "ls");
        assertThat(tenant.exit()).isEqualTo(1);
        assertThat(tenant.err()).contains("admin caller");
        assertThat(era("keys", "create").exit()).isEqualTo(2);
        Run bad = era("keys", "create", "--tenant", "Not Valid");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("tenant");
    }

    @Test
    void deployOfAFailingAppExitsNonZeroWithItsMessage() throws IOException {
        Run r = era("deploy", "-f", spec("web", "env:\n  FAKE_FAIL: binary not found\n").toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("  FAILED  binary not found");
        assertThat(r.err()).isEqualTo("error: web failed: binary not found\n");
    }

    @Test
    void deployAsJsonPrintsOnlyTheSettledDeployment() throws IOException {
        Run r = era("-o", "json", "deploy", "-f", spec("web", "").toString());

        assertThat(r.exit()).isZero();
        assertThat(r.json().get("state").asText()).isEqualTo("RUNNING");
        assertThat(r.json().get("spec").get("name").asText()).isEqualTo("web");
    }

    @Test
    void deployWithoutWaitReturnsTheAcceptedDeployment() throws IOException {
        Run r = era("deploy", "-f", spec("web", "").toString(), "--no-wait", "-o", "json");

        assertThat(r.exit()).isZero();
        assertThat(r.json().get("state").asText()).isEqualTo("VALIDATING");
    }

    @Test
    void deployGivesUpAfterTheTimeout() throws IOException {
        FakeDeploymentService slow = new FakeDeploymentService(java.time.Duration.ofSeconds(5));
        Path dir = work.resolve("slow");
        try (EraServer _ = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))), slow,
                new FakeAuthenticator())) {
            Run r = era(Map.of("ERA_DATA_DIR", dir.toString()), "deploy", "-f", spec("web", "").toString(),
                    "--timeout", "200ms");

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("web is still VALIDATING after 200ms").contains("era events -f");
        }
    }

    @Test
    void anInvalidSpecShowsTheServersMessage() throws IOException {
        Path f = work.resolve("bad.yaml");
        Files.writeString(f, "name: web\nresources:\n  memory: lots\n");

        Run r = era("deploy", "-f", f.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: spec field 'resources.memory'");
    }

    @Test
    void aMissingSpecFileIsAUsageError() {
        Run r = era("deploy", "-f", work.resolve("nope.yaml").toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("cannot read the spec");
    }

    @Test
    void psShowsATableForPeopleAndJsonForScripts() throws IOException {
        era("deploy", "-f", spec("web", "").toString());
        era("deploy", "-f", spec("db", "").toString());

        Run table = era("ps");
        assertThat(table.exit()).isZero();
        String[] lines = table.out().split("\n");
        assertThat(lines[0]).startsWith("NAME  ID").contains("STATE").contains("HEALTH").contains("PID");
        assertThat(lines[1]).startsWith("web ").contains("RUNNING");
        assertThat(lines[2]).startsWith("db  ").contains("RUNNING");
        assertThat(lines[1].indexOf("RUNNING")).isEqualTo(lines[0].indexOf("STATE"));

        Run json = era("ps", "-o", "json");
        assertThat(json.json()).extracting(n -> n.get("name").asText()).containsExactly("web", "db");
    }

    @Test
    void psSaysSoWhenThereIsNothing() {
        assertThat(era("ps").out()).isEqualTo("no deployments\n");
        assertThat(era("ps", "-o", "json").out().trim()).isEqualTo("[ ]");
    }

    @Test
    void statusShowsObservedStateAndTheLogTail() throws IOException {
        era("deploy", "-f", spec("web", "").toString());
        fake.appendLog("web", "listening on 8080");

        Run r = era("status", "web");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("state:     RUNNING").contains("observed:  running (pid ")
                .contains("exit code: -").contains("log:\n").contains("  listening on 8080");
        assertThat(era("status", "web", "-o", "json").json().get("observed").get("state").asText()).isEqualTo("running");
    }

    @Test
    void aServerErrorIsPrintedWithItsMessageAndExitsNonZero() {
        Run r = era("status", "nope");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error: there is no deployment 'nope'; list them with GET /deployments\n");
    }

    @Test
    void logsPrintTheTail() throws IOException {
        era("deploy", "-f", spec("web", "").toString());
        fake.appendLog("web", "one");
        fake.appendLog("web", "two");

        assertThat(era("logs", "--tail", "2", "web").out()).isEqualTo("one\ntwo\n");
        assertThat(era("logs", "--tail", "1", "web", "-o", "json").json().get(0).asText()).isEqualTo("two");
    }

    @Test
    void logsFollowPrintsNewLinesUntilTheStreamEnds() throws Exception {
        FakeDeploymentService own = new FakeDeploymentService();
        Path dir = work.resolve("follow");
        EraServer other = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))), own,
                new FakeAuthenticator());
        own.deploy(dev.era.core.Caller.ADMIN, dev.era.core.SpecCodec.parse("name: web\ncommand: [x]\n"));
        StringWriter out = new StringWriter();
        Thread cli = Thread.ofVirtual().start(() -> EraCli.run(new PrintWriter(out), new PrintWriter(new StringWriter()),
                Map.of("ERA_DATA_DIR", dir.toString()), Path.of("/"), "logs", "-f", "web"));
        waitFor(() -> own.followers() == 1);

        own.appendLog("web", "hello from the app");
        waitFor(() -> out.toString().contains("hello from the app"));
        other.close();

        cli.join(10_000);
        assertThat(cli.isAlive()).isFalse();
    }

    @Test
    void stopStartAndRm() throws IOException {
        era("deploy", "-f", spec("web", "").toString());

        Run stop = era("stop", "web");
        assertThat(stop.exit()).isZero();
        assertThat(stop.out()).startsWith("web is STOPPED");

        Run start = era("start", "web", "-o", "json");
        assertThat(start.exit()).isZero();
        assertThat(start.json().get("state").asText()).isEqualTo("RUNNING");

        Run rm = era("rm", "web");
        assertThat(rm.exit()).isZero();
        assertThat(rm.out()).startsWith("web deleted (id d-");
        assertThat(era("ps").out()).isEqualTo("no deployments\n");
    }

    @Test
    void stoppingTwiceIsRefusedByTheDaemon() throws IOException {
        era("deploy", "-f", spec("web", "").toString());
        era("stop", "web");

        Run r = era("stop", "web");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cannot take 'stop' while STOPPED");
    }

    @Test
    void pluginsAsTableAndJson() {
        Run table = era("plugins");
        assertThat(table.out()).isEqualTo("NAME     CAPABILITIES\nprocess  LOGS,METRICS,SANDBOX\nwasm     WASM\n");

        Run json = era("plugins", "-o", "json");
        assertThat(json.json().get(1).get("capabilities").get(0).asText()).isEqualTo("WASM");
    }

    @Test
    void eventsAsTableAndJson() throws IOException {
        era("deploy", "-f", spec("web", "").toString());

        Run table = era("events");
        assertThat(table.out()).startsWith("SEQ  TIME").contains("web   transition  VALIDATING")
                .contains("RUNNING");

        era("deploy", "-f", spec("db", "").toString());
        assertThat(era("events", "--deployment", "db").out()).contains("db").doesNotContain("web");

        Run json = era("events", "--after", "1", "-o", "json");
        assertThat(json.json().get("events").get(0).get("seq").asLong()).isEqualTo(2);
        assertThat(json.json().get("lastSeq").asLong()).isEqualTo(6);
    }

    @Test
    void tcpNeedsUrlAndKeyFromOptionsOrEnvironment() {
        String url = "http://127.0.0.1:" + server.tcpPort();

        assertThat(era(Map.of(), "--url", url, "--api-key", FakeAuthenticator.KEY_A, "ps").exit()).isZero();
        assertThat(era(Map.of("ERA_URL", url, "ERA_API_KEY", FakeAuthenticator.KEY_A), "plugins").exit()).isZero();

        Run noKey = era(Map.of("ERA_URL", url), "ps");
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.err()).contains("--api-key").contains("ERA_API_KEY");

        Run wrongKey = era(Map.of(), "--url", url, "--api-key", "nope", "ps");
        assertThat(wrongKey.exit()).isEqualTo(1);
        assertThat(wrongKey.err()).contains("unknown API key");
    }

    @Test
    void noDaemonIsExplainedWithHowToStartOne() {
        Path empty = work.resolve("empty");

        Run r = era(Map.of("ERA_DATA_DIR", empty.toString()), "ps");

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).isEqualTo("error: no ERA daemon at " + empty.resolve("era.sock") + "; start one with `era serve`\n");
    }

    @Test
    void theDataDirOptionBeatsTheEnvironmentAndTheDefaultIsUnderHome() {
        Run r = era(Map.of("ERA_DATA_DIR", "/nowhere"), "--data-dir", dataDir.toString(), "ps");
        assertThat(r.exit()).isZero();

        Run home = era(Map.of(), "ps");
        assertThat(home.err()).contains("/nonexistent-home/.local/share/era/era.sock");

        Run xdg = era(Map.of("XDG_DATA_HOME", "/xdg"), "ps");
        assertThat(xdg.err()).as("the daemon's own default when XDG_DATA_HOME is set").contains("/xdg/era/era.sock");
    }

    @Test
    void helpListsTheCommandsAndBadUsageExitsTwo() {
        Run help = era("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("deploy").contains("ps").contains("logs").contains("events").contains("--url");

        Run ps = era("ps", "--help");
        assertThat(ps.exit()).isZero();
        assertThat(ps.out()).contains("Usage: era ps");
        assertThat(era("keys", "create", "-h").out()).contains("--tenant");
        assertThat(era("frobnicate").exit()).isEqualTo(2);
        assertThat(era("deploy").exit()).isEqualTo(2);
    }

    @picocli.CommandLine.Command(name = "serve")
    static final class ServeStub implements Runnable {
        boolean ran;

        @Override
        public void run() {
            ran = true;
        }
    }

    @Test
    void theCommandLineIsOpenForTheDaemonsServeCommand() {
        var cl = EraCli.commandLine();
        ServeStub serve = new ServeStub();

        assertThat(cl.getSubcommands()).containsKeys("deploy", "ps", "status", "logs", "stop", "start", "rm", "plugins", "events",
                "keys");
        cl.addSubcommand("serve", serve);

        assertThat(cl.execute("serve")).isZero();
        assertThat(serve.ran).isTrue();
    }

    @Test
    void onlyTheNamedCommandIsBuiltAndHelpOrAnUnknownNameGetsThemAll() {
        assertThat(EraCli.commandLine(java.util.Set.of(), "--data-dir", "/x", "-o", "json", "ps").getSubcommands())
                .containsOnlyKeys("ps");
        assertThat(EraCli.commandLine(java.util.Set.of("serve"), "--data-dir", "/x", "serve").getSubcommands()).isEmpty();
        assertThat(EraCli.commandLine(java.util.Set.of(), "--help").getSubcommands()).hasSize(18);
        assertThat(EraCli.commandLine(java.util.Set.of(), "--url", "deploy", "frobnicate").getSubcommands()).hasSize(18);
        assertThat(EraCli.commandName("--api-key", "ps", "status", "web")).contains("status");
        assertThat(EraCli.commandName("-o", "json")).isEmpty();
    }

    @Test
    void aCommandBuiltAloneStillMapsFailuresToExitCodes() {
        var cl = EraCli.commandLine(java.util.Set.of(), "--data-dir", work.resolve("none").toString(), "ps");
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));

        assertThat(cl.execute("--data-dir", work.resolve("none").toString(), "ps")).isEqualTo(3);
        assertThat(err.toString()).startsWith("error: no ERA daemon at ");
    }

    @Test
    void psAndPluginsRunWithoutPicocliExactlyAsWithIt() throws IOException {
        era("deploy", "-f", spec("web", "").toString());
        String url = "http://127.0.0.1:" + server.tcpPort();
        Map<String, String> env = Map.of("ERA_DATA_DIR", dataDir.toString());
        String[][] cases = {
                {"ps"}, {"plugins"}, {"-o", "json", "ps"}, {"ps", "-o", "JSON"}, {"--output=json", "plugins"},
                {"-ojson", "ps"}, {"ps", "--data-dir", dataDir.toString()}, {"--data-dir=" + dataDir, "ps"},
                {"--url", url, "--api-key", FakeAuthenticator.KEY_A, "ps"}, {"ps", "--url=" + url},
                {"ps", "--data-dir", work.resolve("none").toString()}, {"--url", "not a url", "--api-key", "k", "ps"},
        };
        for (String[] args : cases) {
            Run picocli = era(env, args);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            var quick = QuickCommands.run(env, Path.of("/nonexistent-home"), new PrintWriter(out), new PrintWriter(err), args);

            String what = String.join(" ", args);
            assertThat(quick).as(what).isPresent();
            assertThat(new Run(quick.get(), out.toString(), err.toString())).as(what).isEqualTo(picocli);
        }
    }

    @Test
    void everythingElseIsLeftToPicocli() {
        String[][] cases = {{}, {"ps", "ps"}, {"status", "web"}, {"ps", "-h"}, {"ps", "--help"}, {"-o", "yaml", "ps"},
                {"ps", "-o"}, {"-o", "json", "-o", "table", "ps"}, {"ps", "--nope"}, {"-o=json", "ps"}, {"--version"}};
        for (String[] args : cases) {
            assertThat(QuickCommands.run(Map.of(), Path.of("/h"), new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter()), args)).as(String.join(" ", args)).isEmpty();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
