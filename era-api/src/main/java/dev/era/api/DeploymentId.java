package dev.era.api;

import java.util.UUID;
import java.util.regex.Pattern;

/** A deployment's stable identity, independent of its name and version. */
public record DeploymentId(String value) {
    private static final Pattern FORM = Pattern.compile("d-[0-9a-f]{12}");

    public DeploymentId {
        if (value == null || !FORM.matcher(value).matches()) {
            throw new IllegalArgumentException("deployment id must look like d-0123456789ab, got " + value);
        }
    }

    public static DeploymentId random() {
        return new DeploymentId("d-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    }

    /** True when {@code text} has the shape of an id (as opposed to a deployment name). */
    public static boolean looksLikeId(String text) {
        return text != null && FORM.matcher(text).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
