package dev.era.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No parallel ticks, ever: 10,000 agents, 8 concurrent senders, every tick's start and end
 * recorded per agent; afterwards no two intervals of one agent overlap, each sender's messages
 * were handled in the order sent, and no tick was lost. Half the ticks write (so they wait for a
 * group commit while more triggers queue behind them), half only read.
 */
class NoParallelTicksStressTest {
    static final int AGENTS = 10_000;
    static final int SENDERS = 8;
    static final int ROUNDS = 2;

    /** Tick intervals per agent: {start, end, sender, seq}. */
    static final AtomicReferenceArray<ConcurrentLinkedQueue<long[]>> LOG = new AtomicReferenceArray<>(AGENTS);

    static final class Recorder implements Agent<Long> {
        static final StateCodec<Long> CODEC = ScriptAgent.CODEC;

        @Override
        public Long initialState() {
            return 0L;
        }

        @Override
        public StateCodec<Long> stateCodec() {
            return CODEC;
        }

        @Override
        public TickResult onTrigger(AgentContext<Long> ctx, Trigger trigger) {
            long start = System.nanoTime();
            String[] w = ((Trigger.Message) trigger).text().split(":");
            int sender = Integer.parseInt(w[1]);
            int seq = Integer.parseInt(w[2]);
            if (w[0].equals("w")) {
                ctx.setState(ctx.state() + 1);
            }
            Thread.onSpinWait(); // widen the window in which an overlapping tick would be caught
            long end = System.nanoTime();
            LOG.get(Integer.parseInt(ctx.id())).add(new long[] {start, end, sender, seq});
            return TickResult.reply(Long.toString(ctx.state()));
        }
    }

    @TempDir
    Path dir;

    @Test
    void tenThousandAgentsUnderConcurrentSendersNeverRunTwoTicksOfOneAgentAtOnce() throws Exception {
        for (int i = 0; i < AGENTS; i++) {
            LOG.set(i, new ConcurrentLinkedQueue<>());
        }
        try (AgentRuntime rt = EraAgents.local(dir.resolve("agents.db")).register("rec", Recorder::new).start()) {
            CyclicBarrier go = new CyclicBarrier(SENDERS);
            List<Thread> senders = new ArrayList<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            for (int s = 0; s < SENDERS; s++) {
                int sender = s;
                senders.add(Thread.ofPlatform().start(() -> {
                    Semaphore inFlight = new Semaphore(512); // many triggers queued per agent at once, bounded memory
                    try {
                        go.await();
                        int seq = 0;
                        for (int round = 0; round < ROUNDS; round++) {
                            // Each sender walks the agents from a different offset, so senders collide on agents.
                            for (int k = 0; k < AGENTS; k++) {
                                int agent = (k + sender * (AGENTS / SENDERS)) % AGENTS;
                                String kind = (seq & 1) == 0 ? "w" : "r";
                                inFlight.acquire();
                                CompletableFuture<TickResult> f = rt.send("rec", Integer.toString(agent), kind + ":" + sender + ":" + seq++);
                                f.whenComplete((r, e) -> {
                                    if (e != null) {
                                        failures.add(e);
                                    }
                                    inFlight.release();
                                });
                            }
                        }
                        inFlight.acquire(512);
                    } catch (Exception e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : senders) {
                t.join();
            }
            assertThat(failures).isEmpty();
        }

        long ticks = 0;
        int overlaps = 0;
        int reordered = 0;
        for (int a = 0; a < AGENTS; a++) {
            List<long[]> log = new ArrayList<>(LOG.get(a));
            ticks += log.size();
            log.sort(Comparator.comparingLong(t -> t[0]));
            for (int i = 1; i < log.size(); i++) {
                if (log.get(i)[0] < log.get(i - 1)[1]) {
                    overlaps++;
                }
            }
            // Per sender, the handling order is the send order (sequence numbers grow).
            long[] last = new long[SENDERS];
            java.util.Arrays.fill(last, -1);
            for (long[] t : log) {
                int sender = (int) t[2];
                if (t[3] <= last[sender]) {
                    reordered++;
                }
                last[sender] = t[3];
            }
        }
        assertThat(ticks).as("every trigger ran exactly once").isEqualTo((long) AGENTS * SENDERS * ROUNDS);
        assertThat(overlaps).as("overlapping ticks of one agent").isZero();
        assertThat(reordered).as("ticks out of their sender's order").isZero();
    }
}
