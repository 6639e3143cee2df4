package dev.era.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** When an alarm fires. */
public sealed interface Schedule {
    /** Shortest period of a recurring alarm. */
    Duration MIN_PERIOD = Duration.ofMillis(10);

    /** The first due time, for an alarm set at {@code now}. */
    Instant first(Instant now);

    /** The due time after an occurrence that was due at {@code due} and fired at {@code now}; empty for a one-shot alarm. */
    Optional<Instant> next(Instant due, Instant now);

    /** The stored form: {@code once}, {@code every PT5M}, {@code cron 0 9 * * 1-5}. */
    String text();

    /** Parses {@link #text()}. */
    static Schedule parse(String text, Instant onceAt) {
        if (text.equals("once")) {
            return new Once(onceAt);
        }
        if (text.startsWith("every ")) {
            return new Every(Duration.parse(text.substring(6)));
        }
        if (text.startsWith("cron ")) {
            return new Cron(text.substring(5));
        }
        throw new IllegalArgumentException("Unknown alarm schedule '" + text + "'; expected once, every <ISO duration> or cron <expression>");
    }

    /** Fires once, at {@code at} (immediately if that is past). */
    record Once(Instant at) implements Schedule {
        public Once {
            if (at == null) {
                throw new IllegalArgumentException("A one-shot alarm needs a time");
            }
        }

        @Override
        public Instant first(Instant now) {
            return at;
        }

        @Override
        public Optional<Instant> next(Instant due, Instant now) {
            return Optional.empty();
        }

        @Override
        public String text() {
            return "once";
        }
    }

    /** Fires every {@code period}, the first time one period from when it is set. */
    record Every(Duration period) implements Schedule {
        public Every {
            if (period == null || period.compareTo(MIN_PERIOD) < 0) {
                throw new IllegalArgumentException("A recurring alarm's period must be at least " + MIN_PERIOD.toMillis()
                        + " ms; got " + period);
            }
        }

        @Override
        public Instant first(Instant now) {
            return now.plus(period);
        }

        /** The next multiple of the period after {@code now}, so that a long downtime fires once, not once per missed period. */
        @Override
        public Optional<Instant> next(Instant due, Instant now) {
            long periodMs = period.toMillis();
            long behind = now.toEpochMilli() - due.toEpochMilli();
            long periods = behind < 0 ? 1 : behind / periodMs + 1;
            return Optional.of(due.plusMillis(periods * periodMs));
        }

        @Override
        public String text() {
            return "every " + period;
        }
    }

    /**
     * Fires on a five-field cron expression in UTC: minute (0-59), hour (0-23), day of month
     * (1-31), month (1-12), day of week (0-6, Sunday is 0; 7 is Sunday too). Each field is
     * {@code *}, a number, a range {@code a-b}, a step {@code *}{@code /n} or {@code a-b/n}, or a
     * comma-separated list of those. When both day fields are restricted, either may match
     * (as in Vixie cron). No names, no {@code L}, {@code W} or {@code ?}.
     */
    record Cron(String expression) implements Schedule {
        public Cron {
            CronExpression.parse(expression); // rejects a bad expression when the alarm is set, not when it is due
        }

        @Override
        public Instant first(Instant now) {
            return CronExpression.parse(expression).nextAfter(now);
        }

        @Override
        public Optional<Instant> next(Instant due, Instant now) {
            return Optional.of(CronExpression.parse(expression).nextAfter(due.isAfter(now) ? due : now));
        }

        @Override
        public String text() {
            return "cron " + expression;
        }
    }
}
