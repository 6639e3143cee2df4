package dev.era.store.postgres;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where the PostgreSQL store lives and how many connections it may hold. {@link #toString()}
 * never shows the password.
 *
 * @param jdbcUrl  {@code jdbc:postgresql://host:port/database[?options]}, without user or password
 * @param user     the role to connect as
 * @param password its password; empty for trust or peer authentication
 * @param poolSize the most connections the store opens (HikariCP's maximum pool size), 1-100
 */
public record PostgresConfig(String jdbcUrl, String user, String password, int poolSize) {
    public static final int DEFAULT_POOL_SIZE = 10;

    public PostgresConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("the store URL must start with jdbc:postgresql://, got " + redact(jdbcUrl));
        }
        if (poolSize < 1 || poolSize > 100) {
            throw new IllegalArgumentException("poolSize must be from 1 to 100, got " + poolSize);
        }
    }

    /**
     * Reads a URL as people write them: {@code postgres://user:password@host:5432/era?sslmode=require}
     * ({@code postgresql://} too), or a JDBC URL {@code jdbc:postgresql://host/era?user=era&password=...}.
     * A {@code pool} query parameter sets {@link #poolSize}; the other parameters go to the driver.
     *
     * @throws IllegalArgumentException naming what is wrong, without the password
     */
    public static PostgresConfig parse(String url) {
        Objects.requireNonNull(url, "url");
        String text = url.strip();
        String rest;
        if (text.startsWith("jdbc:postgresql://")) {
            rest = text.substring("jdbc:postgresql://".length());
        } else if (text.startsWith("postgres://") || text.startsWith("postgresql://")) {
            rest = text.substring(text.indexOf("://") + 3);
        } else {
            throw new IllegalArgumentException("'" + redact(text) + "' is not a PostgreSQL URL; write"
                    + " postgres://USER:PASSWORD@HOST:PORT/DATABASE");
        }
        URI uri;
        try {
            uri = new URI("postgres://" + rest);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + redact(text) + "' is not a valid URL: " + e.getReason()
                    + "; percent-encode special characters in the password");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("'" + redact(text) + "' names no host; write postgres://USER@HOST:PORT/DATABASE");
        }
        String database = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "" : decode(uri.getRawPath().substring(1));
        if (database.isEmpty() || database.contains("/")) {
            throw new IllegalArgumentException("'" + redact(text) + "' names no database; add it as the path, such as /era");
        }
        Map<String, String> params = query(uri.getRawQuery());
        String user = "";
        String password = "";
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? "" : decode(info.substring(colon + 1));
        }
        user = params.containsKey("user") ? params.remove("user") : user;
        password = params.containsKey("password") ? params.remove("password") : password;
        if (user.isEmpty()) {
            throw new IllegalArgumentException("'" + redact(text) + "' names no user; write postgres://USER@HOST/DATABASE");
        }
        int pool = DEFAULT_POOL_SIZE;
        String p = params.remove("pool");
        if (p != null) {
            try {
                pool = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                pool = -1;
            }
            if (pool < 1 || pool > 100) {
                throw new IllegalArgumentException("pool in '" + redact(text) + "' must be a number from 1 to 100, got '" + p + "'");
            }
        }
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                ? "[" + uri.getHost() + "]" : uri.getHost());
        if (uri.getPort() > 0) {
            jdbc.append(':').append(uri.getPort());
        }
        jdbc.append('/').append(java.net.URLEncoder.encode(database, StandardCharsets.UTF_8));
        String sep = "?";
        for (Map.Entry<String, String> e : params.entrySet()) {
            jdbc.append(sep).append(e.getKey()).append('=').append(java.net.URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = "&";
        }
        return new PostgresConfig(jdbc.toString(), user, password, pool);
    }

    /** The JDBC URL and user, for messages and logs. */
    public String describe() {
        return jdbcUrl + " as " + user;
    }

    @Override
    public String toString() {
        return "PostgresConfig[" + describe() + ", password=" + (password.isEmpty() ? "none" : "***") + ", poolSize=" + poolSize + "]";
    }

    /** The URL with any password replaced by ***, for messages. */
    static String redact(String url) {
        return url.replaceAll("(://[^:/@]*:)[^@/]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            out.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
