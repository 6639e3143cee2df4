package dev.era.client;

import dev.era.api.AppStatus;
import dev.era.api.StoreException;
import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.HttpConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EraClientTest {
    private static final String SPEC = "name: web\ncommand: [sleep, '100']\n";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static final FakeDeploymentService fake = new FakeDeploymentService();
    static EraServer server;
    static EraClient unix;
    static EraClient tcp;

    @BeforeAll
    static void start() {
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))), fake,
                new FakeAuthenticator());
        unix = EraClient.unix(server.unixSocket().orElseThrow());
        tcp = EraClient.tcp(URI.create("http://127.0.0.1:" + server.tcpPort()), FakeAuthenticator.KEY_A);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    @Test
    void healthAndPluginsOverBothTransports() {
        assertThat(unix.health()).isEqualTo("ok");
        assertThat(tcp.health()).isEqualTo("ok");
        assertThat(tcp.plugins()).extracting(Plugin::name).containsExactly("process", "wasm");
        assertThat(unix.plugins().getFirst().capabilities()).contains("LOGS");
    }

    @Test
    void deployWaitsForTheDeploymentToSettle() {
        Deployment d = tcp.deploy(SPEC, WAIT);

        assertThat(d.running()).isTrue();
        assertThat(d.name()).isEqualTo("web");
        assertThat(d.tenant()).isEqualTo("a");
        assertThat(d.engine()).isEqualTo("process");
        assertThat(d.pid()).isPositive();
        assertThat(d.lastExitCode()).isEqualTo(-1);
        assertThat(d.spec().path("command").get(0).asText()).isEqualTo("sleep");
        assertThat(d.json().path("id").asText()).isEqualTo(d.id());
    }

    @Test
    void deployWithoutWaitAnswersAtOnce() {
        Deployment d = unix.deploy(SPEC);

        assertThat(d.settled()).isFalse();
        assertThat(d.id()).startsWith("d-");
    }

    @Test
    void listGetStatusStopStartDelete() {
        Deployment d = unix.deploy(SPEC, WAIT);
        fake.appendLog("web", "hello");

        assertThat(unix.list()).extracting(Deployment::id).containsExactly(d.id());
        assertThat(unix.get("web").id()).isEqualTo(d.id());
        assertThat(unix.get(d.id()).name()).isEqualTo("web");

        DeploymentStatus s = unix.status("web", 5);
        assertThat(s.observed()).isInstanceOfSatisfying(AppStatus.Running.class, r -> assertThat(r.pid()).isEqualTo(d.pid()));
        assertThat(s.logTail()).endsWith("hello");

        assertThat(unix.stop("web", WAIT).state()).isEqualTo("STOPPED");
        assertThat(unix.status("web", 0).observed()).isInstanceOf(AppStatus.Exited.class);
        assertThat(unix.start("web", WAIT).state()).isEqualTo("RUNNING");
        assertThat(unix.delete("web").state()).isEqualTo("DELETED");
        assertThat(unix.list()).isEmpty();
    }

    @Test
    void aFailedDeploymentCarriesItsMessageAndExitCode() {
        Deployment d = unix.deploy(SPEC + "env:\n  FAKE_FAIL: no such binary\n", WAIT);

        assertThat(d.failed()).isTrue();
        assertThat(d.message()).isEqualTo("no such binary");
        assertThat(d.lastExitCode()).isEqualTo(1);
    }

    @Test
    void serverErrorsCarryStatusCodeMessageAndDetails() {
        assertThatThrownBy(() -> unix.get("nope"))
                .isInstanceOfSatisfying(EraClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.code()).isEqualTo("not_found");
                    assertThat(e.details().path("ref").asText()).isEqualTo("nope");
                })
                .hasMessageContaining("there is no deployment 'nope'");

        assertThatThrownBy(() -> unix.deploy("name: web\nbogus: 1\n"))
                .isInstanceOfSatisfying(EraClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_spec");
                    assertThat(e.details().path("field").asText()).isEqualTo("bogus");
                });

        fake.failNext(new StoreException("disk full"));
        assertThatThrownBy(() -> unix.list())
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(503))
                .hasMessage("disk full");
    }

    @Test
    void aWrongKeyIsReportedWithTheServersHint() {
        EraClient wrong = EraClient.tcp(URI.create("http://127.0.0.1:" + server.tcpPort()), "nope");

        assertThatThrownBy(wrong::list)
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(401))
                .hasMessageContaining("X-API-Key");
    }

    @Test
    void namesWithOddCharactersAreEncoded() {
        assertThatThrownBy(() -> unix.get("a b?x=1&ü"))
                .isInstanceOfSatisfying(EraClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.details().path("ref").asText()).isEqualTo("a b?x=1&ü");
                });
        // an encoded slash never reaches another route: the server refuses it as ambiguous
        assertThatThrownBy(() -> unix.get("../plugins"))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void eventsArePaged() {
        for (int i = 0; i < 5; i++) {
            fake.publish("default", "info", "e" + i);
        }

        EventPage first = unix.events(0, 2);
        EventPage rest = unix.events(first.lastSeq(), 100);

        assertThat(first.events()).extracting(Event::message).containsExactly("e0", "e1");
        assertThat(rest.events()).extracting(Event::message).containsExactly("e2", "e3", "e4");
        assertThat(rest.events().getFirst().deployment()).isEmpty();
    }

    @Test
    void eventHeadIsTheNewestSeqSoThatFollowingFromItSkipsTheHistory() throws InterruptedException {
        assertThat(unix.eventHead()).isZero();
        for (int i = 0; i < 3; i++) {
            fake.publish("default", "info", "old" + i);
        }

        long head = unix.eventHead();
        BlockingQueue<Event> got = new LinkedBlockingQueue<>();
        try (Subscription s = unix.followEvents(head, got::add)) {
            fake.publish("default", "info", "new");

            assertThat(head).isEqualTo(3);
            assertThat(got.poll(10, TimeUnit.SECONDS).message()).isEqualTo("new");
        }
    }

    @Test
    void keysAreIssuedOverTheSocketAndListedWithoutSecrets() {
        IssuedKey issued = unix.createKey("acme", "ci");

        assertThat(issued.secret()).isNotBlank();
        assertThat(issued.apiKey().tenant()).isEqualTo("acme");
        assertThat(unix.keys()).containsExactly(issued.apiKey());
        assertThat(EraClient.tcp(URI.create("http://127.0.0.1:" + server.tcpPort()), issued.secret()).list()).isEmpty();
        assertThatThrownBy(() -> tcp.keys())
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(403));
    }

    @Test
    void eventsOfOneDeployment() {
        unix.deploy(SPEC, WAIT);
        unix.deploy("name: db\ncommand: [x]\n", WAIT);

        EventPage page = unix.events(0, 100, "db");

        assertThat(page.events()).isNotEmpty().allSatisfy(e -> assertThat(e.name()).isEqualTo("db"));
    }

    @Test
    void followEventsDeliversStoredThenNewEvents() throws InterruptedException {
        fake.publish("default", "info", "before");
        BlockingQueue<Event> got = new LinkedBlockingQueue<>();
        try (Subscription s = unix.followEvents(0, got::add)) {
            assertThat(got.poll(10, TimeUnit.SECONDS).message()).isEqualTo("before");

            fake.publish("default", "info", "after");

            Event e = got.poll(10, TimeUnit.SECONDS);
            assertThat(e.message()).isEqualTo("after");
            assertThat(e.seq()).isEqualTo(2);
            assertThat(s.isOpen()).isTrue();
        }
    }

    @Test
    void followEventsOfOneDeployment() throws InterruptedException {
        BlockingQueue<Event> got = new LinkedBlockingQueue<>();
        try (Subscription _ = tcp.followEvents(0, "web", got::add)) {
            tcp.deploy("name: other\ncommand: [x]\n");
            tcp.deploy(SPEC);

            for (String state : List.of("VALIDATING", "ACTIVATING", "RUNNING")) {
                Event e = got.poll(10, TimeUnit.SECONDS);
                assertThat(e.name()).isEqualTo("web");
                assertThat(e.state()).isEqualTo(state);
            }
        }
    }

    @Test
    void closingFromTheConsumerEndsTheStreamQuietly() throws InterruptedException {
        fake.publish("default", "info", "one");
        Subscription[] self = new Subscription[1];
        BlockingQueue<Event> got = new LinkedBlockingQueue<>();
        self[0] = unix.followEvents(0, e -> {
            got.add(e);
            while (self[0] == null) {
                Thread.onSpinWait();
            }
            self[0].close();
        });

        assertThat(self[0].join(Duration.ofSeconds(10))).isTrue();
        assertThat(self[0].isOpen()).isFalse();
        assertThat(got).hasSize(1);
    }

    @Test
    void aStreamThatBreaksIsReportedByJoin() throws InterruptedException {
        EraServer other = EraServer.start(HttpConfig.tcp("127.0.0.1", 0), new FakeDeploymentService(),
                new FakeAuthenticator());
        EraClient c = EraClient.tcp(URI.create("http://127.0.0.1:" + other.tcpPort()), FakeAuthenticator.KEY_A);
        Subscription s = c.followEvents(0, e -> { });

        other.close();

        assertThat(s.join(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void logsAndFollowLogs() throws InterruptedException {
        unix.deploy(SPEC, WAIT);
        fake.appendLog("web", "one");
        fake.appendLog("web", "two");

        assertThat(unix.logs("web", 1)).containsExactly("two");

        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        try (Subscription _ = unix.followLogs("web", 1, got::add)) {
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("two");
            fake.appendLog("web", "three");
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("three");
        }
    }

    @Test
    void followingAnUnknownDeploymentFailsAtOnce() {
        assertThatThrownBy(() -> unix.followLogs("nope", 10, l -> { }))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void noDaemonAtTheSocketIsUnavailable() {
        Path missing = dir.resolve("nothing.sock");

        assertThatThrownBy(() -> EraClient.unix(missing).health())
                .isInstanceOfSatisfying(DaemonUnavailableException.class,
                        e -> assertThat(e.target()).isEqualTo(missing.toString()))
                .hasMessageStartingWith("no ERA daemon at " + missing);
    }

    @Test
    void noDaemonAtTheUrlIsUnavailable() {
        EraServer other = EraServer.start(HttpConfig.tcp("127.0.0.1", 0), fake, new FakeAuthenticator());
        int port = other.tcpPort();
        other.close();

        assertThatThrownBy(() -> EraClient.tcp(URI.create("http://127.0.0.1:" + port), "k").health())
                .isInstanceOf(DaemonUnavailableException.class);
    }

    @Test
    void onlyPlainHttpUrlsAreAccepted() {
        assertThatThrownBy(() -> EraClient.tcp(URI.create("https://example.com"), "k"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://");
    }

    @Test
    void aBasePathIsKept() {
        EraClient c = EraClient.tcp(URI.create("http://127.0.0.1:" + server.tcpPort() + "/"), FakeAuthenticator.KEY_A);

        assertThat(c.health()).isEqualTo("ok");
    }
}
