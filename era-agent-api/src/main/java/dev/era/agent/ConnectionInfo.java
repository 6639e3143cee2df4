package dev.era.agent;

/** An open connection and its attachment ({@code ""} until one is set). */
public record ConnectionInfo(String id, String attachment) {
    public ConnectionInfo {
        if (id == null || attachment == null) {
            throw new IllegalArgumentException("A connection needs an id and an attachment");
        }
    }
}
