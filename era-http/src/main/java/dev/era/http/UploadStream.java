package dev.era.http;

import dev.era.api.BadRequestException;
import dev.era.api.EraException;
import dev.era.api.PayloadTooLargeException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * An uploaded file's bytes on their way to the service: counted, capped, and remembered when they
 * broke off. The service may wrap what this stream throws in its own exception; {@link #failure}
 * recovers the client's fault from it, so that a cut connection or an oversized file is a 4xx and
 * never a 500.
 */
final class UploadStream extends InputStream {
    /** Largest single file accepted over the API. */
    static final long MAX_FILE_BYTES = 2L << 30;

    private final InputStream in;
    private final long limit;
    private long count;
    private EraException fault;

    UploadStream(InputStream in, long limit) {
        this.in = in;
        this.limit = limit;
    }

    static PayloadTooLargeException tooLarge(long size, long limit) {
        String what = size >= 0 ? size + " bytes" : "more than " + limit + " bytes";
        return new PayloadTooLargeException("the file is " + what + "; one upload may be at most " + limit
                + " bytes (2 GiB); split it or copy it in parts", Map.of("limit", limit));
    }

    long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (fault != null) {
            throw fault;
        }
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof EraException)) {
                fault = new BadRequestException("the upload broke off after " + count + " bytes: " + e.getMessage()
                        + "; send it again", Map.of("received", count), e);
            } else {
                fault = (EraException) e;
            }
            throw e;
        }
        if (n > 0) {
            count += n;
            if (count > limit) {
                fault = tooLarge(-1, limit);
                throw fault;
            }
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** What to report when the service failed while reading this stream: the client's fault if there was one. */
    RuntimeException failure(RuntimeException fromService) {
        return fault != null ? fault : fromService;
    }
}
