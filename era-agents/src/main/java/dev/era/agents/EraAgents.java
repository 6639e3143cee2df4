package dev.era.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentPackage;
import dev.era.agent.AgentRef;
import dev.era.agents.spi.AgentStore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The agent runtime as a library, like SQLite:
 * <pre>{@code
 * try (AgentRuntime agents = EraAgents.local(Path.of("agents.db"))
 *         .register("counter", CounterAgent::new)
 *         .start()) {
 *     String n = agents.send("counter", "visits", "inc").join().text();
 * }
 * }</pre>
 * Everything an agent commits is in that one SQLite file; a restart on the same file finds it
 * again, and alarms that fell due meanwhile fire. Only one runtime may use a file at a time.
 */
public final class EraAgents {
    private EraAgents() {
    }

    /** A runtime storing its agents in the SQLite file {@code dbFile} (created if missing). */
    public static Builder local(Path dbFile) {
        Objects.requireNonNull(dbFile, "dbFile");
        return new Builder(clock -> SqliteAgentStore.open(dbFile, clock));
    }

    /** A runtime over another store (the Server backend's PostgreSQL store, a test double). */
    public static Builder withStore(AgentStore store) {
        Objects.requireNonNull(store, "store");
        return new Builder(clock -> store);
    }

    /** Collects agent types and limits; frozen by {@link #start()}. */
    public static final class Builder {
        private interface StoreFactory {
            AgentStore open(Clock clock);
        }

        private final StoreFactory storeFactory;
        private final Map<String, AgentType> types = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private Timer timer;
        private Executor executor;
        private Settings settings = Settings.defaults();
        private boolean started;

        private Builder(StoreFactory storeFactory) {
            this.storeFactory = storeFactory;
        }

        /**
         * Registers an agent type. {@code factory} makes a fresh instance each time an agent of
         * this type wakes; it must not return a shared one.
         */
        public Builder register(String type, Supplier<? extends Agent<?>> factory) {
            checkOpen();
            AgentRef.of(type, "x"); // the type's alphabet and length
            Objects.requireNonNull(factory, "factory");
            if (types.putIfAbsent(type, new AgentType(type, factory)) != null) {
                throw new IllegalArgumentException("The agent type '" + type + "' is registered twice; give each type one factory");
            }
            return this;
        }

        /** Registers every type of an agent package (see {@link AgentPackage}). */
        public Builder register(AgentPackage agentPackage) {
            Objects.requireNonNull(agentPackage, "agentPackage").register(this::register);
            return this;
        }

        /** The time source for alarms, idle timeouts, retries and tick limits; for tests, with {@link #time}. */
        public Builder clock(Clock clock, Timer timer) {
            checkOpen();
            this.clock = Objects.requireNonNull(clock, "clock");
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** Manual time for tests: nothing happens on a timer until {@link ManualTime#advance}. */
        public Builder time(ManualTime time) {
            return clock(time, time);
        }

        /** Where ticks run; virtual threads by default. The runtime does not shut down an executor given here. */
        public Builder executor(Executor executor) {
            checkOpen();
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** An agent without a tick for {@code idle} is dropped from memory (default 1 minute). */
        public Builder idleTimeout(Duration idle) {
            checkOpen();
            positive("idleTimeout", idle);
            settings = new Settings(idle, settings.maxActive(), settings.maxTickDuration(), settings.maxAttempts(),
                    settings.firstBackoff(), settings.maxBackoff(), settings.mailboxCapacity(), settings.alarmHorizon());
            return this;
        }

        /** At most this many agents stay loaded; beyond it the least recently used idle ones hibernate (default 100,000). */
        public Builder maxActiveAgents(int max) {
            checkOpen();
            if (max < 1) {
                throw new IllegalArgumentException("maxActiveAgents must be at least 1; got " + max);
            }
            settings = new Settings(settings.idleTimeout(), max, settings.maxTickDuration(), settings.maxAttempts(),
                    settings.firstBackoff(), settings.maxBackoff(), settings.mailboxCapacity(), settings.alarmHorizon());
            return this;
        }

        /** A tick running longer is interrupted and fails (default 30 s). */
        public Builder maxTickDuration(Duration max) {
            checkOpen();
            positive("maxTickDuration", max);
            settings = new Settings(settings.idleTimeout(), settings.maxActive(), max, settings.maxAttempts(),
                    settings.firstBackoff(), settings.maxBackoff(), settings.mailboxCapacity(), settings.alarmHorizon());
            return this;
        }

        /**
         * A failed trigger is attempted {@code maxAttempts} times in all, waiting {@code firstBackoff}, then
         * twice that, and so on (at most 30 s), before it is dead-lettered (default 3 attempts, 100 ms).
         */
        public Builder retries(int maxAttempts, Duration firstBackoff) {
            checkOpen();
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1 (1 = no retry); got " + maxAttempts);
            }
            positive("firstBackoff", firstBackoff);
            settings = new Settings(settings.idleTimeout(), settings.maxActive(), settings.maxTickDuration(), maxAttempts,
                    firstBackoff, settings.maxBackoff(), settings.mailboxCapacity(), settings.alarmHorizon());
            return this;
        }

        /** Triggers queued per agent before senders get {@link AgentRuntimeException.Overloaded} (default 10,000). */
        public Builder mailboxCapacity(int capacity) {
            checkOpen();
            if (capacity < 1) {
                throw new IllegalArgumentException("mailboxCapacity must be at least 1; got " + capacity);
            }
            settings = new Settings(settings.idleTimeout(), settings.maxActive(), settings.maxTickDuration(),
                    settings.maxAttempts(), settings.firstBackoff(), settings.maxBackoff(), capacity, settings.alarmHorizon());
            return this;
        }

        /** Opens the store, delivers what was committed but not handled before the last stop, and starts. */
        public AgentRuntime start() {
            checkOpen();
            if (types.isEmpty()) {
                throw new IllegalArgumentException("No agent type is registered; call register(type, factory) before start()");
            }
            started = true;
            boolean ownsTimer = timer == null;
            Timer t = ownsTimer ? Timer.system() : timer;
            boolean ownsExecutor = executor == null;
            Executor e = ownsExecutor ? Executors.newVirtualThreadPerTaskExecutor() : executor;
            AgentStore store = storeFactory.open(clock);
            LocalAgentRuntime runtime = new LocalAgentRuntime(types, store, clock, t, ownsTimer, e, ownsExecutor, settings);
            try {
                runtime.start();
            } catch (RuntimeException ex) {
                runtime.close();
                throw ex;
            }
            return runtime;
        }

        private void checkOpen() {
            if (started) {
                throw new IllegalStateException("This builder already started a runtime; its settings are frozen");
            }
        }

        private static void positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive; got " + d);
            }
        }
    }
}
