package dev.era.engine.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class SafePointsTest {
    private final SafePoints safePoints = new SafePoints();
    private final CountDownLatch inside = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean interruptedInside = new AtomicBoolean();
    private final AtomicReference<Throwable> thrown = new AtomicReference<>();

    /** A WASI function of the given name that signals when entered and blocks until released, like slow I/O. */
    private HostFunction guarded(String name) {
        HostFunction f = new HostFunction("wasi_snapshot_preview1", name, FunctionType.of(List.of(), List.of()), (instance, args) -> {
            inside.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interruptedInside.set(true);
            }
            return null;
        });
        return safePoints.guard(new HostFunction[] {f})[0];
    }

    private Thread call(HostFunction f) {
        return Thread.ofPlatform().start(() -> {
            try {
                f.handle().apply(null);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
    }

    @Test
    void anEndRequestedDuringIoLetsTheCallFinishAndEndsTheRunWhenItReturns() throws Exception {
        Thread t = call(guarded("fd_write"));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        safePoints.request(t);
        release.countDown();
        t.join(5000);

        assertThat(interruptedInside).as("interrupted during the write").isFalse();
        assertThat(thrown.get()).isInstanceOf(ChicoryInterruptedException.class);
    }

    @Test
    void anEndRequestedWhileWaitingInPollOneoffInterruptsTheWait() throws Exception {
        Thread t = call(guarded("poll_oneoff"));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        safePoints.request(t);
        t.join(5000);

        assertThat(interruptedInside).isTrue();
        assertThat(thrown.get()).isInstanceOf(ChicoryInterruptedException.class);
    }

    @Test
    void aForcedEndInterruptsEvenDuringIo() throws Exception {
        Thread t = call(guarded("fd_write"));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        safePoints.force(t);
        t.join(5000);

        assertThat(interruptedInside).isTrue();
    }

    @Test
    void noWasiCallStartsOnceAnEndIsRequested() throws Exception {
        safePoints.request(Thread.ofPlatform().unstarted(() -> { }));
        Thread t = call(guarded("fd_write"));
        t.join(5000);

        assertThat(inside.getCount()).as("the call never began").isEqualTo(1);
        assertThat(thrown.get()).isInstanceOf(ChicoryInterruptedException.class);
    }
}
