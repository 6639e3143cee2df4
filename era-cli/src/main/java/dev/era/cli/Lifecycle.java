package dev.era.cli;

import dev.era.client.Deployment;

import java.time.Duration;

/** What stop and start share: printing the result and turning a wrong end state into an exit code. */
final class Lifecycle {
    private Lifecycle() {
    }

    static void print(EraCommand root, Deployment d) {
        if (root.json()) {
            Output.json(root.out(), d.json());
        } else {
            root.out().println(Tables.summary(d));
        }
    }

    /** 0 when the deployment reached {@code wanted} (or nobody waited), else a CliException. */
    static int check(Deployment d, String wanted, Duration timeout) {
        if (timeout.isZero() || d.state().equals(wanted)) {
            return 0;
        }
        if (d.settled()) {
            throw new CliException(d.name() + " is " + d.state() + ", not " + wanted
                    + (d.message().isEmpty() ? "" : ": " + d.message()));
        }
        throw new CliException(d.name() + " is still " + d.state() + " after " + DurationConverter.format(timeout));
    }
}
