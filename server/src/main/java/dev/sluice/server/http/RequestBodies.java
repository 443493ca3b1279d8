package dev.sluice.server.http;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/** Reads request bodies with a size cap and checks their content type, failing with the right 4xx. */
public final class RequestBodies {
  private RequestBodies() {}

  /** Requires {@code application/json} (any charset parameter), else 415. */
  public static void requireJson(Request request) throws GatewayException {
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    String mime = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!mime.equals("application/json")) {
      throw new GatewayException(new GatewayError(ErrorType.UNSUPPORTED_MEDIA_TYPE,
          "Unsupported content type '" + (type == null ? "(none)" : type) + "'; send 'application/json'.",
          null, "unsupported_media_type", 0, null));
    }
  }

  /**
   * How much of a refused body is still read and thrown away, so that a client still uploading it
   * gets the 413 rather than a reset connection; past this the connection is simply closed.
   */
  static final long DISCARD_LIMIT = 16L << 20;

  /** Reads the whole body, refusing one over {@code maxBytes} with 413 (413 as soon as a declared length says so). */
  public static byte[] read(Request request, long maxBytes) throws GatewayException, IOException {
    long declared = request.getLength();
    if (declared > maxBytes) {
      if (declared <= DISCARD_LIMIT) discard(Content.Source.asInputStream(request), DISCARD_LIMIT);
      throw tooLarge(maxBytes);
    }
    byte[] buf = new byte[(int) Math.min(declared >= 0 ? declared + 1 : 8192, maxBytes + 1)];
    int size = 0;
    try (InputStream in = Content.Source.asInputStream(request)) {
      while (true) {
        if (size == buf.length) buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, maxBytes + 1));
        int n = in.read(buf, size, buf.length - size);
        if (n < 0) break;
        size += n;
        // The buffer holds at most maxBytes + 1 bytes: one byte past the limit proves the body too large.
        if (size > maxBytes) {
          discard(in, DISCARD_LIMIT);
          throw tooLarge(maxBytes);
        }
      }
    }
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }

  private static void discard(InputStream in, long limit) throws IOException {
    byte[] sink = new byte[8192];
    long read = 0;
    for (int n; read < limit && (n = in.read(sink)) >= 0; ) read += n;
  }

  private static GatewayException tooLarge(long maxBytes) {
    return new GatewayException(new GatewayError(ErrorType.REQUEST_TOO_LARGE,
        "The request body is larger than the limit of " + maxBytes + " bytes.", null, "request_too_large", 0, null));
  }
}
