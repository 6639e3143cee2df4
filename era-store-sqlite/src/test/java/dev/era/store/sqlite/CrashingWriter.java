package dev.era.store.sqlite;

import dev.era.testing.StoreFixtures;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link KillDurabilityTest}: appends events, printing each sequence number
 * only after its write returned, then waits to be killed.
 */
final class CrashingWriter {
    private CrashingWriter() {
    }

    public static void main(String[] args) throws InterruptedException {
        SqliteStateStore store = SqliteStateStore.open(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        for (int i = 0; i < count; i++) {
            long seq = store.append(StoreFixtures.daemonEvent(StoreFixtures.T0, "before the crash " + i));
            System.out.println("committed " + seq);
            System.out.flush();
        }
        Thread.sleep(Long.MAX_VALUE); // never closes the store: the test kills this process
    }
}
