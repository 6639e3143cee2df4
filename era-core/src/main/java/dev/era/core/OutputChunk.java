package dev.era.core;

/**
 * A piece of an execution's live output, or its end.
 *
 * @param stream 1 = stdout, 2 = stderr, 3 = status (the end; {@code exitCode} set)
 * @param offset byte offset of {@code data} within its stream (lets a client resume without gaps)
 */
public record OutputChunk(int stream, long offset, byte[] data, int exitCode) {
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int STATUS = 3;
}
