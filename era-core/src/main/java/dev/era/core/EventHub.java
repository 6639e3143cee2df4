package dev.era.core;

import dev.era.core.spi.StateStore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The event log: appends go to the store, then to live followers. A follower first receives what
 * the store holds after its cursor, then live events, with no gap and no duplicate (events are
 * delivered once).
 */
final class EventHub {
    private final StateStore store;
    private final List<Follower> followers = new CopyOnWriteArrayList<>();

    EventHub(StateStore store) {
        this.store = store;
    }

    /** Publishes an event the store has already committed (with its seq). */
    void published(Event committed) {
        for (Follower f : followers) {
            f.offerLive(committed);
        }
    }

    Subscription follow(long afterSeq, Predicate<Event> visible, Consumer<Event> sink) {
        Follower f = new Follower(afterSeq, visible, new AsyncSink<>(sink, 10_000));
        followers.add(f);
        long cursor = afterSeq;
        while (true) {
            List<Event> page = store.events(cursor, 500);
            for (Event e : page) {
                f.deliver(e);
                cursor = e.seq();
            }
            if (page.size() < 500) {
                break;
            }
        }
        f.live();
        return () -> {
            followers.remove(f);
            f.sink.close();
        };
    }

    /**
     * Store commits assign seqs in order, so what the store returns is gap-free; live events may be
     * published a little out of order by the committing threads, so only the catch-up boundary is
     * used to drop duplicates.
     */
    private static final class Follower {
        private final Predicate<Event> visible;
        private final AsyncSink<Event> sink;
        private final List<Event> early = new ArrayList<>();
        private long storedMax;
        private boolean live;

        Follower(long afterSeq, Predicate<Event> visible, AsyncSink<Event> sink) {
            this.storedMax = afterSeq;
            this.visible = visible;
            this.sink = sink;
        }

        /** A live event: held back while the follower still reads the store, delivered after. */
        synchronized void offerLive(Event e) {
            if (!live) {
                early.add(e);
            } else if (e.seq() > storedMax) {
                send(e);
            }
        }

        synchronized void deliver(Event stored) {
            if (stored.seq() > storedMax) {
                storedMax = stored.seq();
                send(stored);
            }
        }

        synchronized void live() {
            live = true;
            early.sort(java.util.Comparator.comparingLong(Event::seq));
            for (Event e : early) {
                if (e.seq() > storedMax) {
                    send(e);
                }
            }
            early.clear();
        }

        private void send(Event e) {
            if (visible.test(e)) {
                sink.accept(e);
            }
        }
    }
}
