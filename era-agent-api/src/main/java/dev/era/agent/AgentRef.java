package dev.era.agent;

/**
 * Names one agent: its registered type and its id. Both appear in URLs
 * ({@code /agents/{type}/{id}}) and storage keys, so they are restricted to a safe alphabet.
 *
 * @param type letters, digits, {@code - _ .}; 1 to 64 characters
 * @param id   letters, digits, {@code - _ . : @ = +}; 1 to 256 characters
 */
public record AgentRef(String type, String id) {
    public static final int MAX_TYPE_LENGTH = 64;
    public static final int MAX_ID_LENGTH = 256;

    public AgentRef {
        check("agent type", type, MAX_TYPE_LENGTH, "-_.");
        check("agent id", id, MAX_ID_LENGTH, "-_.:@=+");
    }

    public static AgentRef of(String type, String id) {
        return new AgentRef(type, id);
    }

    /** {@code type/id}, the form used in logs, messages and {@link Trigger.Message#sender()}. */
    @Override
    public String toString() {
        return type + "/" + id;
    }

    private static void check(String what, String value, int max, String extra) {
        if (value == null || value.isEmpty() || value.length() > max) {
            throw new IllegalArgumentException("The " + what + " must have 1 to " + max + " characters; got "
                    + (value == null ? "none" : value.length() + ": '" + abbreviate(value) + "'"));
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || extra.indexOf(c) >= 0;
            if (!ok) {
                throw new IllegalArgumentException("The " + what + " '" + abbreviate(value) + "' contains '" + c
                        + "'; use letters, digits and " + extra);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
