package dev.era.cli;

import dev.era.client.Deployment;
import dev.era.client.EraClient;
import dev.era.client.EraClientException;
import dev.era.client.Event;
import dev.era.client.Subscription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(name = "deploy", description = "Create a deployment from a spec and follow it until it runs or fails.")
final class DeployCommand implements Callable<Integer> {
    private static final Set<String> SETTLED = Set.of("RUNNING", "FAILED", "STOPPED", "DELETED");

    @ParentCommand
    EraCommand root;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
            description = "The spec, YAML or JSON; '-' reads standard input.")
    String file;

    @Option(names = "--no-wait", description = "Return as soon as the daemon accepted the spec.")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to follow the deployment before giving up (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
        String spec = read();
        EraClient client = root.client();
        // Read before the POST, so that the new deployment's first event is after it: the follow
        // then starts at "now" instead of paging through the whole event log.
        long head = noWait ? 0 : client.eventHead();
        Deployment created = client.deploy(spec);
        if (noWait) {
            print(created);
            return 0;
        }
        Deployment settled = follow(client, created, head);
        print(settled);
        return switch (settled.state()) {
            case "RUNNING" -> 0;
            case "FAILED" -> throw new CliException(settled.name() + " failed: " + reason(settled));
            default -> throw new CliException(settled.name() + " is " + settled.state() + ": " + reason(settled));
        };
    }

    /** Prints each state the deployment passes through until it settles or the timeout runs out. */
    private Deployment follow(EraClient client, Deployment created, long head) throws InterruptedException {
        PrintWriter out = root.out();
        boolean people = !root.json();
        if (people) {
            out.println(created.name() + " (" + created.id() + ") accepted");
        }
        CountDownLatch done = new CountDownLatch(1);
        String[] lastState = {""};
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Subscription events = client.followEvents(head, created.id(), e -> {
            if (people) {
                progress(out, e, lastState);
            }
            if (SETTLED.contains(e.state())) {
                done.countDown();
            }
        })) {
            while (!done.await(50, TimeUnit.MILLISECONDS)) {
                if (!events.isOpen()) {
                    events.join();
                    throw new CliException("the daemon ended the event stream before " + created.name() + " settled");
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
        }
        Deployment now;
        try {
            now = client.get(created.id());
        } catch (EraClientException e) {
            if (e.status() == 404) {
                throw new CliException(created.name() + " was deleted while it was being deployed");
            }
            throw e;
        }
        if (!now.settled()) {
            throw new CliException(now.name() + " is still " + now.state() + " after " + DurationConverter.format(timeout)
                    + "; follow it with `era events -f --deployment " + now.name() + "`");
        }
        return now;
    }

    private static void progress(PrintWriter out, Event e, String[] lastState) {
        if (!e.state().isEmpty() && !e.state().equals(lastState[0])) {
            lastState[0] = e.state();
            out.println("  " + e.state() + (e.message().isEmpty() ? "" : "  " + e.message()));
        } else if (!e.type().equals("transition") && !e.message().isEmpty()) {
            out.println("  " + e.type() + ": " + e.message());
        }
        out.flush();
    }

    private void print(Deployment d) {
        if (root.json()) {
            Output.json(root.out(), d.json());
        } else {
            root.out().println(Tables.summary(d));
        }
    }

    private static String reason(Deployment d) {
        return d.message().isEmpty() ? "see `era status " + d.name() + "` and `era logs " + d.name() + "`" : d.message();
    }

    private String read() {
        try {
            byte[] bytes = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("cannot read the spec " + file + ": " + e.getMessage(), EraCli.USAGE);
        }
    }
}
