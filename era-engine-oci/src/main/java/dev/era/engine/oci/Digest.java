package dev.era.engine.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** sha256 content digests ({@code sha256:<64 hex>}), the only algorithm the engine accepts. */
final class Digest {
    private static final Pattern FORM = Pattern.compile("sha256:[0-9a-f]{64}");

    private Digest() {
    }

    static boolean isValid(String digest) {
        return digest != null && FORM.matcher(digest).matches();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String of(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static String of(MessageDigest md) {
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /** The hex part, safe to use as a file name once {@link #isValid} holds. */
    static String hex(String digest) {
        return digest.substring("sha256:".length());
    }
}
