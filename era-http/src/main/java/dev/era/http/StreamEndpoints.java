package dev.era.http;

import dev.era.api.BadRequestException;
import dev.era.core.Caller;
import dev.era.core.DeploymentService;
import dev.era.core.Event;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** {@code /events} and {@code /logs}: JSON pages, or Server-Sent Events with {@code follow=true}. */
final class StreamEndpoints {
    private static final int PAGE = 500;

    private final DeploymentService deployments;
    private final SsePump pump;

    StreamEndpoints(DeploymentService deployments, OpenStreams streams, Duration heartbeat) {
        this.deployments = deployments;
        this.pump = new SsePump(streams, heartbeat);
    }

    void register(Router r) {
        r.add("GET", "/events", this::events, "after", "limit", "follow", "deployment");
        r.add("GET", "/logs", this::logs, "deployment", "tail", "follow");
    }

    private void events(Exchange ex) throws IOException {
        Query q = ex.query();
        long after = q.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = q.intValue("limit", 100, 1, 1000);
        boolean follow = q.flag("follow") && !head(ex);
        String only = q.text("deployment").orElse("");
        Predicate<Event> wanted = only.isEmpty() ? e -> true
                : e -> only.equals(e.deployment()) || only.equals(e.name());
        Caller caller = ex.caller();
        if (!follow) {
            page(ex, caller, after, limit, wanted);
            return;
        }
        String resume = ex.header("Last-Event-ID");
        if (resume != null) {
            after = lastEventId(resume);
        }
        // The history is paged straight to the client so that a long log never sits in memory.
        List<Event> first = deployments.events(caller, after, PAGE);
        SseWriter sse = new SseWriter(ex.response());
        sse.open();
        long cursor = after;
        for (List<Event> page = first; ; page = deployments.events(caller, cursor, PAGE)) {
            for (Event e : page) {
                if (wanted.test(e)) {
                    sse.event(Long.toString(e.seq()), Json.text(Views.event(e)));
                }
                cursor = Math.max(cursor, e.seq());
            }
            sse.flush();
            if (page.size() < PAGE) {
                break;
            }
        }
        long from = cursor;
        long[] last = {cursor};
        pump.run(ex, sse, sink -> deployments.followEvents(caller, from, sink), (Event e) -> {
            // a service may hand over an event the history pages already sent
            if (e.seq() > last[0] && wanted.test(e)) {
                last[0] = e.seq();
                sse.event(Long.toString(e.seq()), Json.text(Views.event(e)));
            }
            return true;
        });
    }

    private void page(Exchange ex, Caller caller, long after, int limit, Predicate<Event> wanted) {
        long head = deployments.lastEventSeq();
        List<Event> out = new ArrayList<>();
        long cursor = after;
        while (out.size() < limit) {
            List<Event> page = deployments.events(caller, cursor, limit);
            for (Event e : page) {
                cursor = e.seq();
                if (wanted.test(e)) {
                    out.add(e);
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
            if (page.size() < limit) {
                break;
            }
        }
        ex.json(200, Views.events(out, cursor, head));
    }

    /** A HEAD gets the page's headers: a stream whose bytes are all dropped would never notice its client left. */
    private static boolean head(Exchange ex) {
        return ex.request().getMethod().equals("HEAD");
    }

    private static long lastEventId(String header) {
        try {
            long v = Long.parseLong(header.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadRequestException("header Last-Event-ID must be the seq of an event (a whole number >= 0), not '"
                + Query.clip(header) + "'", Map.of("header", "Last-Event-ID"));
    }

    private void logs(Exchange ex) throws IOException {
        Query q = ex.query();
        String ref = q.required("deployment");
        int tail = q.intValue("tail", 100, 0, 10_000);
        Caller caller = ex.caller();
        if (q.flag("follow") && !head(ex)) {
            SseWriter sse = new SseWriter(ex.response());
            pump.run(ex, sse, sink -> deployments.followLogs(caller, ref, tail, sink), (String line) -> {
                sse.event(null, line);
                return true;
            });
            return;
        }
        List<String> lines = deployments.logs(caller, ref, tail);
        String accept = ex.header("Accept");
        if (accept != null && accept.contains("text/plain") && !accept.contains("json")) {
            ex.text(200, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
        } else {
            ex.json(200, Views.logs(ref, lines));
        }
    }
}
