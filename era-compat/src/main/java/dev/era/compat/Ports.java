package dev.era.compat;

import dev.era.api.ConflictException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Ports for runtimes on the host's network. A free port is one the kernel hands out for an
 * ephemeral bind that no runtime holds yet; between the check and the runtime's own bind another
 * process could take it, a race ERA accepts (the runtime then fails to listen, and a new start
 * picks another port).
 */
final class Ports {
    private static final int ATTEMPTS = 32;
    /** Handed out but perhaps not yet recorded in a sandbox's labels. */
    private final Set<Integer> recent = new HashSet<>();

    synchronized int free(Collection<Integer> taken) {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new ConflictException("no free TCP port for the runtime: " + e.getMessage());
            }
            if (!taken.contains(port) && recent.add(port)) {
                if (recent.size() > 4096) {
                    recent.clear();
                    recent.add(port);
                }
                return port;
            }
        }
        throw new ConflictException("no free TCP port for the runtime after " + ATTEMPTS + " tries; stop runtimes "
                + "that are no longer used");
    }

    /** True when something accepts connections on the loopback port now. */
    static boolean listening(int port) {
        if (port <= 0) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
