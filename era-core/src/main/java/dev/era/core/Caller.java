package dev.era.core;

/**
 * Who is asking: the tenant an API key maps to. Callers on the Unix socket (trusted by its file
 * mode) are {@link #ADMIN}: tenant {@code default}, and allowed to see every tenant's work.
 */
public record Caller(String tenant, boolean admin) {
    public static final String DEFAULT_TENANT = "default";
    public static final Caller ADMIN = new Caller(DEFAULT_TENANT, true);

    public static Caller tenant(String tenant) {
        return new Caller(tenant, false);
    }

    public boolean sees(String owner) {
        return admin || tenant.equals(owner);
    }
}
