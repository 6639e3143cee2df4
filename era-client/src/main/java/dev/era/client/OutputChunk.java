package dev.era.client;

/**
 * A piece of a command's live output, or its end.
 *
 * @param offset   where {@code data} starts in its stream (pass it back to resume without gaps)
 * @param exitCode the command's exit code on the {@link Kind#STATUS} chunk, else 0
 */
public record OutputChunk(Kind kind, long offset, byte[] data, int exitCode) {
    public enum Kind { STDOUT, STDERR, STATUS }

    public boolean end() {
        return kind == Kind.STATUS;
    }
}
