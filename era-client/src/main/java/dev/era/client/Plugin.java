package dev.era.client;

import java.util.List;

/** An engine and its capabilities ({@code LOGS}, {@code SANDBOX}, ...). */
public record Plugin(String name, List<String> capabilities) {
    public Plugin {
        capabilities = List.copyOf(capabilities);
    }
}
