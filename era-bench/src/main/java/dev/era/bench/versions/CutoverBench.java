package dev.era.bench.versions;

import dev.era.core.Caller;
import dev.era.core.Deployment;
import dev.era.core.Event;
import dev.era.core.LifecycleState;
import dev.era.core.RuntimeManager;
import dev.era.core.Scheduler;
import dev.era.core.SpecCodec;
import dev.era.store.sqlite.SqliteStateStore;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Cut-over time of blue-green updates, without the app's own start: for each update of a real
 * HTTP app (python3, process engine, real SQLite store, the daemon's port forwarder), the time from
 * the new version's acceptance (the VERIFYING → CUTTING_OVER transition: healthy and past
 * minHealthyTime) to the CUTTING_OVER → RUNNING transition (public port switched, old version
 * drained, stopped and removed, result stored). Also the switch of the port alone, as the
 * cut-over reports it.
 * <p>
 * {@code java --enable-native-access=ALL-UNNAMED -cp "$CP" dev.era.bench.versions.CutoverBench [updates=30]}
 */
public final class CutoverBench {
    private static final String APP = "import os, http.server\\n"
            + "class H(http.server.BaseHTTPRequestHandler):\\n"
            + "    def do_GET(self):\\n"
            + "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers();"
            + " self.wfile.write(b'ok')\\n"
            + "    def log_message(self, *a):\\n"
            + "        pass\\n"
            + "http.server.ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()";

    private CutoverBench() {
    }

    public static void main(String[] args) throws Exception {
        int updates = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("era-bench-cutover");
        Scheduler scheduler = Scheduler.system();
        SqliteStateStore store = SqliteStateStore.open(dir.resolve("era.db"));
        RuntimeManager manager = RuntimeManager.start(store, RuntimeManager.loadEngines(), dir, Clock.systemUTC(),
                scheduler, Duration.ofSeconds(5));
        long[] cutover = new long[updates];
        long[] switched = new long[updates];
        try {
            Deployment d = manager.deploy(Caller.ADMIN, SpecCodec.parse(spec(port, 0)));
            d = manager.await(Caller.ADMIN, d.id().value(), Duration.ofSeconds(60));
            check(d, 1);
            for (int i = 1; i <= updates; i++) {
                long head = manager.lastEventSeq();
                manager.update(Caller.ADMIN, "cutover", SpecCodec.parse(spec(port, i)));
                Deployment after = manager.await(Caller.ADMIN, "cutover", Duration.ofSeconds(60));
                check(after, i + 1);
                List<Event> events = manager.events(Caller.ADMIN, head, 1000);
                long from = at(events, "CUTTING_OVER");
                long to = at(events, "RUNNING");
                cutover[i - 1] = to - from;
                String m = after.message();
                switched[i - 1] = Long.parseLong(m.replaceAll(".*traffic switched in (\\d+) µs.*", "$1"));
                System.out.printf("update %d: cut-over %d ms (port switched in %d µs)%n", i, cutover[i - 1],
                        switched[i - 1]);
            }
        } finally {
            manager.delete(Caller.ADMIN, "cutover");
            manager.await(Caller.ADMIN, "cutover", Duration.ofSeconds(30));
            manager.close();
            store.close();
            scheduler.close();
        }
        Arrays.sort(cutover);
        Arrays.sort(switched);
        System.out.printf("RESULT blue-green cut-over (%d updates): median %d ms, p99 %d ms; port switch median %d µs,"
                        + " p99 %d µs%n", updates, cutover[updates / 2], cutover[(int) Math.ceil(updates * 0.99) - 1],
                switched[updates / 2], switched[(int) Math.ceil(updates * 0.99) - 1]);
    }

    private static String spec(int port, int n) {
        return "name: cutover\ncommand: [python3, -c, \"" + APP + "\"]\nenv: {N: '" + n + "'}\nport: " + port + "\n"
                + "health: {http: {port: " + port + ", path: /}, interval: 50ms}\n"
                + "update: {strategy: blue-green, minHealthyTime: 100ms}\nstopTimeout: 2s\n";
    }

    private static void check(Deployment d, int version) {
        if (d.state() != LifecycleState.RUNNING || d.version() != version) {
            throw new IllegalStateException("expected RUNNING version " + version + ", got " + d.state() + " version "
                    + d.version() + ": " + d.message());
        }
    }

    /** The time of the first transition into {@code state}, in ms. */
    private static long at(List<Event> events, String state) {
        return events.stream().filter(e -> e.type().equals("transition") && e.state().equals(state)).findFirst()
                .map(e -> e.at().toEpochMilli()).orElseThrow(() -> new IllegalStateException("no " + state + " in "
                        + events.stream().map(Event::message).toList()));
    }
}
