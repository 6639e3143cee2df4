package dev.era.agents;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run in a child JVM by {@link KillAtomicityTest}: arms alarms, then sends ticks to many agents
 * from several threads forever, appending "ack agent n" to a side file only after each tick's
 * future completed (that is, after its commit). The parent kills it with SIGKILL mid-burst.
 */
final class CrashingAgentHost {
    private CrashingAgentHost() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        Path acks = Path.of(args[1]);
        int agents = Integer.parseInt(args[2]);
        long wakeAt = Long.parseLong(args[3]);
        AgentRuntime rt = EraAgents.local(db).register("burst", BurstAgent::new).start();
        FileOutputStream out = new FileOutputStream(acks.toFile(), true);
        for (int i = 0; i < 10; i++) {
            rt.send("burst", "sleeper-" + i, "arm " + wakeAt).join();
        }
        write(out, "armed\n");
        AtomicLong next = new AtomicLong();
        for (int t = 0; t < 4; t++) {
            Thread.ofPlatform().start(() -> {
                Semaphore inFlight = new Semaphore(256); // enough in flight for real group commits
                while (true) {
                    inFlight.acquireUninterruptibly();
                    long n = next.incrementAndGet();
                    String agent = "a" + (n % agents);
                    rt.send("burst", agent, Long.toString(n)).whenComplete((r, e) -> {
                        if (e == null) {
                            write(out, "ack " + agent + " " + n + "\n");
                        }
                        inFlight.release();
                    });
                }
            });
        }
        Thread.sleep(Long.MAX_VALUE); // never closes anything: the parent kills this process
    }

    private static void write(FileOutputStream out, String line) {
        synchronized (out) {
            try {
                out.write(line.getBytes(StandardCharsets.UTF_8)); // unbuffered: each ack is in the file once written
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
