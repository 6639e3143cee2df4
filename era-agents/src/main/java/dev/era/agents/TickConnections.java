package dev.era.agents;

import dev.era.agent.ConnectionInfo;
import dev.era.agent.Connections;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A tick's view of its agent's connections; sends, closes and attachments wait for the commit. */
final class TickConnections implements Connections {
    /** One thing to do on a connection after the commit, in order. */
    sealed interface Op {
        record Send(LocalSocket socket, String text, byte[] data) implements Op {
        }

        record Close(LocalSocket socket, int code, String reason) implements Op {
        }

        record Attach(LocalSocket socket, String attachment) implements Op {
        }
    }

    /** Open at the start of the tick and not closed by it, by id, oldest first. */
    private final Map<String, LocalSocket> open = new LinkedHashMap<>();
    private final Map<String, String> attachments = new HashMap<>();
    private final List<Op> ops = new ArrayList<>();

    TickConnections(List<LocalSocket> sockets) {
        for (LocalSocket s : sockets) {
            open.put(s.id(), s);
        }
    }

    @Override
    public List<ConnectionInfo> list() {
        List<ConnectionInfo> out = new ArrayList<>(open.size());
        for (LocalSocket s : open.values()) {
            out.add(info(s));
        }
        return out;
    }

    @Override
    public Optional<ConnectionInfo> get(String connectionId) {
        LocalSocket s = open.get(connectionId);
        return s == null ? Optional.empty() : Optional.of(info(s));
    }

    @Override
    public void send(String connectionId, String text) {
        if (text == null) {
            throw new IllegalArgumentException("Cannot send null to connection " + connectionId);
        }
        LocalSocket s = open.get(connectionId);
        if (s != null) {
            ops.add(new Op.Send(s, text, null));
        }
    }

    @Override
    public void send(String connectionId, byte[] data) {
        if (data == null) {
            throw new IllegalArgumentException("Cannot send null to connection " + connectionId);
        }
        LocalSocket s = open.get(connectionId);
        if (s != null) {
            ops.add(new Op.Send(s, null, data.clone()));
        }
    }

    @Override
    public void broadcast(String text) {
        broadcast(text, "");
    }

    @Override
    public void broadcast(String text, String exceptConnectionId) {
        if (text == null) {
            throw new IllegalArgumentException("Cannot broadcast null");
        }
        for (LocalSocket s : open.values()) {
            if (!s.id().equals(exceptConnectionId)) {
                ops.add(new Op.Send(s, text, null));
            }
        }
    }

    @Override
    public void close(String connectionId, int code, String reason) {
        LocalSocket s = open.remove(connectionId);
        if (s != null) {
            ops.add(new Op.Close(s, code, reason == null ? "" : reason));
        }
    }

    @Override
    public void attach(String connectionId, String attachment) {
        if (attachment == null || attachment.length() > MAX_ATTACHMENT_LENGTH) {
            throw new IllegalArgumentException("An attachment must be a string of at most " + MAX_ATTACHMENT_LENGTH
                    + " characters; keep larger data in KV under a key named in the attachment");
        }
        LocalSocket s = open.get(connectionId);
        if (s != null) {
            attachments.put(connectionId, attachment);
            ops.add(new Op.Attach(s, attachment));
        }
    }

    List<Op> ops() {
        return ops;
    }

    private ConnectionInfo info(LocalSocket s) {
        String a = attachments.get(s.id());
        return new ConnectionInfo(s.id(), a != null ? a : s.attachment());
    }
}
