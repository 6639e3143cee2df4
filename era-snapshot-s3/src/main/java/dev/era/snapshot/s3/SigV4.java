package dev.era.snapshot.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 requests, header-based, with an unsigned payload (S3 allows it
 * and it spares hashing whole archives before sending them; TLS protects the bytes in transit).
 * See "Authenticating Requests: Using the Authorization Header" in the S3 API reference.
 */
final class SigV4 {
    static final String UNSIGNED = "UNSIGNED-PAYLOAD";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private SigV4() {
    }

    /**
     * The headers to add to the request (x-amz-date, x-amz-content-sha256, authorization).
     *
     * @param path  the raw request path, already URI-encoded ({@code /bucket/key})
     * @param host  the Host header the client will send ({@code host[:port]})
     * @param query the canonical query string (sorted, encoded), usually empty
     */
    static Map<String, String> sign(String method, String host, String path, String query, S3Config config, Instant now) {
        return sign(method, host, path, query, Map.of(), UNSIGNED, config, now);
    }

    /** As above, also signing {@code extra} headers (lower-case names) and a payload hash. */
    static Map<String, String> sign(String method, String host, String path, String query, Map<String, String> extra,
                                    String payloadHash, S3Config config, Instant now) {
        String stamp = STAMP.format(now);
        String day = stamp.substring(0, 8);
        Map<String, String> headers = new TreeMap<>(extra);
        headers.put("host", host);
        headers.put("x-amz-content-sha256", payloadHash);
        headers.put("x-amz-date", stamp);
        StringBuilder canonicalHeaders = new StringBuilder();
        headers.forEach((k, v) -> canonicalHeaders.append(k).append(':').append(v.trim()).append('\n'));
        String signed = String.join(";", headers.keySet());
        String canonical = method + "\n" + path + "\n" + query + "\n" + canonicalHeaders + "\n" + signed + "\n"
                + payloadHash;
        String scope = day + "/" + config.region() + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + HEX.formatHex(sha256(canonical));
        byte[] key = hmac(("AWS4" + config.secretKey()).getBytes(StandardCharsets.UTF_8), day);
        key = hmac(key, config.region());
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        String signature = HEX.formatHex(hmac(key, toSign));
        Map<String, String> out = new TreeMap<>(headers);
        out.remove("host"); // the HTTP client sets it (and refuses to be told)
        out.put("authorization", "AWS4-HMAC-SHA256 Credential=" + config.accessKey() + "/" + scope
                + ", SignedHeaders=" + signed + ", Signature=" + signature);
        return out;
    }

    /** URI-encodes each segment of a key the way SigV4 canonicalises S3 paths ('/' kept). */
    static String encodePath(String path) {
        StringBuilder b = new StringBuilder();
        for (byte c : path.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || c == '/') {
                b.append((char) c);
            } else {
                b.append('%').append(HEX.withUpperCase().toHexDigits(c));
            }
        }
        return b.toString();
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
