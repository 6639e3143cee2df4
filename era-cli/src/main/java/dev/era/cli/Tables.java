package dev.era.cli;

import dev.era.api.AppStatus;
import dev.era.client.Deployment;
import dev.era.client.Event;

import java.util.List;

/** The table columns of ERA's records, defined once. */
final class Tables {
    static final List<String> DEPLOYMENT = List.of("NAME", "ID", "STATE", "HEALTH", "ENGINE", "PID", "RESTARTS", "MESSAGE");
    static final List<String> EVENT = List.of("SEQ", "TIME", "NAME", "TYPE", "STATE", "MESSAGE");

    private Tables() {
    }

    static List<String> row(Deployment d) {
        return List.of(d.name(), d.id(), d.state(), d.health(), d.engine(), d.pid() == 0 ? "-" : Long.toString(d.pid()),
                Integer.toString(d.restarts()), Output.cell(d.message(), 60));
    }

    static List<String> row(Event e) {
        return List.of(Long.toString(e.seq()), e.at().toString(), e.name().isEmpty() ? "-" : e.name(), e.type(),
                e.state().isEmpty() ? "-" : e.state(), Output.cell(e.message(), 80));
    }

    static String observed(AppStatus s) {
        return switch (s) {
            case AppStatus.Running r -> "running (pid " + r.pid() + ", since " + r.startedAt() + ")";
            case AppStatus.Exited x -> "exited with " + x.exitCode() + " (" + x.reason() + ") at " + x.at();
            case AppStatus.Gone g -> "gone (" + g.reason() + ")";
        };
    }

    /** One line for people: "web is RUNNING (id d-..., pid 42)". */
    static String summary(Deployment d) {
        StringBuilder s = new StringBuilder(d.name()).append(" is ").append(d.state()).append(" (id ").append(d.id());
        if (d.pid() != 0) {
            s.append(", pid ").append(d.pid());
        }
        s.append(')');
        if (!d.message().isEmpty()) {
            s.append(": ").append(d.message());
        }
        return s.toString();
    }
}
