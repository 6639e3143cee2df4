package dev.era.agents;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hand-written stress test of the mailbox in the jcstress spirit: many threads hammer offers
 * while turns end synchronously or later on other threads, and every observation that would
 * reveal a race (two turns at once, a sender's items out of order, an item lost or handled twice)
 * is counted. Platform threads on a fixed pool give real parallelism on every core.
 */
class MailboxTest {
    record Item(int sender, int seq, int id) {
    }

    final ExecutorService pool = Executors.newFixedThreadPool(4);
    final ExecutorService completers = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
        completers.shutdownNow();
    }

    /** The turn model's checks for one mailbox: mutual exclusion and FIFO per sender. */
    final class Checked implements Mailbox.Handler<Item> {
        final AtomicInteger inside = new AtomicInteger();
        final int[] lastSeq;
        final LongAdder overlaps;
        final LongAdder reordered;
        final AtomicIntegerArray handled;
        final CountDownLatch done;

        Checked(int senders, LongAdder overlaps, LongAdder reordered, AtomicIntegerArray handled, CountDownLatch done) {
            this.lastSeq = new int[senders];
            java.util.Arrays.fill(lastSeq, -1);
            this.overlaps = overlaps;
            this.reordered = reordered;
            this.handled = handled;
            this.done = done;
        }

        @Override
        public CompletableFuture<Void> handle(Item item) {
            if (inside.incrementAndGet() != 1) {
                overlaps.increment();
            }
            // Plain (not volatile) reads and writes: correct only if the mailbox orders its turns.
            if (item.seq() <= lastSeq[item.sender()]) {
                reordered.increment();
            }
            lastSeq[item.sender()] = item.seq();
            handled.incrementAndGet(item.id());
            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                // A turn that ends later on another thread, like a tick waiting for its commit.
                CompletableFuture<Void> end = new CompletableFuture<>();
                completers.execute(() -> {
                    Thread.onSpinWait();
                    inside.decrementAndGet();
                    done.countDown();
                    end.complete(null);
                });
                return end;
            }
            inside.decrementAndGet();
            done.countDown();
            return Mailbox.DONE;
        }
    }

    @Test
    void neverRunsTwoTurnsAtOnceAndKeepsEachSendersOrder() throws Exception {
        int senders = 8;
        int perSender = 20_000;
        int mailboxes = 4;
        LongAdder overlaps = new LongAdder();
        LongAdder reordered = new LongAdder();
        AtomicIntegerArray handled = new AtomicIntegerArray(senders * perSender);
        CountDownLatch done = new CountDownLatch(senders * perSender);
        List<Mailbox<Item>> boxes = new ArrayList<>();
        for (int i = 0; i < mailboxes; i++) {
            boxes.add(new Mailbox<>(pool, new Checked(senders, overlaps, reordered, handled, done)));
        }
        CyclicBarrier start = new CyclicBarrier(senders);
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                int[] seqPerBox = new int[mailboxes];
                for (int i = 0; i < perSender; i++) {
                    int box = ThreadLocalRandom.current().nextInt(mailboxes);
                    Item item = new Item(sender, seqPerBox[box]++, sender * perSender + i);
                    while (boxes.get(box).offer(item, Integer.MAX_VALUE) != Mailbox.Offer.ACCEPTED) {
                        Thread.onSpinWait();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("every item handled").isTrue();
        assertThat(overlaps.sum()).as("turns of one mailbox that overlapped").isZero();
        assertThat(reordered.sum()).as("items handled out of their sender's order").isZero();
        for (int i = 0; i < handled.length(); i++) {
            assertThat(handled.get(i)).as("times item %d was handled", i).isEqualTo(1);
        }
        for (Mailbox<Item> b : boxes) {
            assertThat(b.idle()).isTrue();
        }
    }

    @Test
    void retiringRacesWithOffersWithoutLosingOrDuplicatingAnItem() throws Exception {
        int keys = 16;
        int senders = 4;
        int perSender = 2_500;
        LongAdder overlaps = new LongAdder();
        LongAdder reordered = new LongAdder();
        AtomicIntegerArray handled = new AtomicIntegerArray(senders * perSender);
        CountDownLatch done = new CountDownLatch(senders * perSender);
        // One checker per key shared by all its mailbox generations: exclusion must hold across them too.
        List<Checked> checkers = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            checkers.add(new Checked(senders, overlaps, reordered, handled, done));
        }
        ConcurrentHashMap<Integer, Mailbox<Item>> registry = new ConcurrentHashMap<>();
        AtomicInteger generations = new AtomicInteger();
        AtomicInteger retired = new AtomicInteger();
        Thread retirer = Thread.ofPlatform().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (var e : registry.entrySet()) {
                    if (e.getValue().retireIfIdle()) {
                        registry.remove(e.getKey(), e.getValue());
                        retired.incrementAndGet();
                    }
                }
            }
        });
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            threads.add(Thread.ofPlatform().start(() -> {
                int[] seqPerKey = new int[keys];
                for (int i = 0; i < perSender; i++) {
                    int key = ThreadLocalRandom.current().nextInt(keys);
                    Item item = new Item(sender, seqPerKey[key]++, sender * perSender + i);
                    // The runtime's delivery loop: a retired mailbox refuses, is removed, and a new one is made.
                    while (true) {
                        Mailbox<Item> box = registry.computeIfAbsent(key, k -> {
                            generations.incrementAndGet();
                            return new Mailbox<>(pool, checkers.get(k));
                        });
                        Mailbox.Offer o = box.offer(item, Integer.MAX_VALUE);
                        if (o == Mailbox.Offer.ACCEPTED) {
                            break;
                        }
                        registry.remove(key, box);
                    }
                    // Wait until it is handled, so that mailboxes go idle between items: retiring races with
                    // the next offer all the time instead of only when a queue happens to run dry.
                    while (handled.get(item.id()) == 0) {
                        Thread.yield(); // not a spin: the handling threads need these two cores
                    }
                    if (i % 4 == 0) {
                        // Senders retire too, right between other senders' offers: the race this test is about,
                        // exercised however the threads happen to be scheduled.
                        int other = ThreadLocalRandom.current().nextInt(keys);
                        Mailbox<Item> box = registry.get(other);
                        if (box != null && box.retireIfIdle()) {
                            registry.remove(other, box);
                            retired.incrementAndGet();
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("every item handled").isTrue();
        retirer.interrupt();
        retirer.join();
        assertThat(overlaps.sum()).isZero();
        assertThat(reordered.sum()).isZero();
        for (int i = 0; i < handled.length(); i++) {
            assertThat(handled.get(i)).as("times item %d was handled", i).isEqualTo(1);
        }
        assertThat(retired.get()).as("mailboxes retired while senders offered (the race exercised)").isGreaterThan(100);
        assertThat(generations.get()).isGreaterThan(keys);
    }

    @Test
    void aFullMailboxRefusesAndARetiredOneRefusesForever() {
        CompletableFuture<Void> blocked = new CompletableFuture<>();
        Mailbox<Integer> box = new Mailbox<>(pool, i -> blocked);
        assertThat(box.offer(1, 2)).isEqualTo(Mailbox.Offer.ACCEPTED);
        Await.until("the first turn started", () -> box.queued() == 0);
        assertThat(box.offer(2, 2)).isEqualTo(Mailbox.Offer.ACCEPTED);
        assertThat(box.offer(3, 2)).isEqualTo(Mailbox.Offer.ACCEPTED);
        assertThat(box.offer(4, 2)).isEqualTo(Mailbox.Offer.FULL);
        assertThat(box.retireIfIdle()).as("busy").isFalse();
        Mailbox<Integer> idle = new Mailbox<>(pool, i -> Mailbox.DONE);
        assertThat(idle.retireIfIdle()).isTrue();
        assertThat(idle.offer(1, 10)).isEqualTo(Mailbox.Offer.RETIRED);
        blocked.complete(null);
    }
}
