package dev.era.cli;

import dev.era.api.AppStatus;
import dev.era.client.Deployment;
import dev.era.client.Event;
import dev.era.client.Sandbox;
import dev.era.client.Snapshot;

import java.util.List;

/** The table columns of ERA's records, defined once. */
final class Tables {
    static final List<String> DEPLOYMENT = List.of("NAME", "ID", "STATE", "HEALTH", "ENGINE", "PID", "RESTARTS", "MESSAGE");
    static final List<String> EVENT = List.of("SEQ", "TIME", "NAME", "TYPE", "STATE", "MESSAGE");
    static final List<String> SANDBOX = List.of("ID", "NAME", "STATE", "CPU", "MEMORY", "PIDS", "NETWORK", "IDLE",
            "LAST ACTIVE");
    static final List<String> SNAPSHOT = List.of("ID", "NAME", "SANDBOX", "STATUS", "SIZE", "CREATED");

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

    static List<String> row(Sandbox s) {
        return List.of(s.id(), s.name().isEmpty() ? "-" : s.name(), s.state(), s.cpu() == 0 ? "-" : trim(s.cpu()),
                s.memoryBytes() == 0 ? "-" : size(s.memoryBytes()), s.pids() == 0 ? "-" : Integer.toString(s.pids()),
                s.network(), s.idleTimeout().isZero() ? "never" : DurationConverter.format(s.idleTimeout()),
                s.lastActivity().toString());
    }

    static List<String> row(Snapshot s) {
        return List.of(s.id(), s.name().isEmpty() ? "-" : s.name(), s.sandboxId(), s.status(), size(s.sizeBytes()),
                s.createdAt().toString());
    }

    /** One line for people: "sb-0123456789ab (dev) is RUNNING". */
    static String summary(Sandbox s) {
        return s.id() + (s.name().isEmpty() ? "" : " (" + s.name() + ")") + " is " + s.state()
                + (s.message().isEmpty() ? "" : ": " + s.message());
    }

    /** Bytes as people read them: 512Mi, 1.5Gi, 300B. */
    static String size(long bytes) {
        String[] units = {"B", "Ki", "Mi", "Gi", "Ti"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return trim(Math.round(v * 10) / 10.0) + units[u];
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
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
