package dev.era.engine.wasm;

import com.dylibso.chicory.log.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chicory's log, sent to SLF4J. Chicory traces every WASI call when asked; that stays off, because
 * the formatting costs more than most calls.
 */
final class ChicoryLog implements Logger {
    static final ChicoryLog QUIET = new ChicoryLog();
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger("dev.era.engine.wasm.chicory");

    private ChicoryLog() {
    }

    @Override
    public void log(Level level, String msg, Throwable throwable) {
        switch (level) {
            case ERROR -> LOG.error(msg, throwable);
            case WARNING -> LOG.warn(msg, throwable);
            case INFO -> LOG.info(msg, throwable);
            default -> LOG.debug(msg, throwable);
        }
    }

    @Override
    public boolean isLoggable(Level level) {
        return switch (level) {
            case ERROR -> LOG.isErrorEnabled();
            case WARNING -> LOG.isWarnEnabled();
            case INFO -> LOG.isInfoEnabled();
            case DEBUG -> LOG.isDebugEnabled();
            default -> false;
        };
    }
}
