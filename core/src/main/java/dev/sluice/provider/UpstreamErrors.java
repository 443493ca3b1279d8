package dev.sluice.provider;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * How one upstream's failures become {@link GatewayError}s. The wording of transport failures and
 * the handling of upstream text are shared: every piece of upstream text is scrubbed of the
 * provider key, then cut to length, in that order (a cut through the key would leave a part of it
 * that no longer matches). Subclasses read their wire format's error bodies.
 */
public abstract class UpstreamErrors {
  /** An upstream's message can be a whole HTML error page (a proxy's 502); a client needs its start. */
  public static final int MAX_MESSAGE_CHARS = 1000;
  /** How much of a malformed chunk a message quotes. */
  private static final int SAMPLE_CHARS = 120;

  private final String provider;
  private final String apiKey;
  private final String terminator;

  /**
   * @param provider the upstream's name, as messages name it
   * @param apiKey the key to scrub from upstream text, or null
   * @param terminator what the wire format ends a whole stream with ({@code [DONE]}, {@code message_stop})
   */
  protected UpstreamErrors(String provider, String apiKey, String terminator) {
    this.provider = provider;
    this.apiKey = apiKey;
    this.terminator = terminator;
  }

  /** The error for a non-2xx response, from its status, headers and (bounded) body. */
  public abstract GatewayError fromStatus(int status, HttpHeaders headers, String body);

  /** The error for a 2xx response that is not an event stream (an error page, a JSON error object). */
  public abstract GatewayError notAStream(int status, String contentType, String body);

  /** The routing name of the provider these errors are about. */
  public final String provider() {
    return provider;
  }

  /** A well-framed stream that stopped before its terminator. */
  public final GatewayError truncated() {
    return GatewayError.of(ErrorType.UPSTREAM_ERROR, "upstream '" + provider + "' stream ended before " + terminator);
  }

  /** A 2xx response whose content type is not an event stream, and whose body says nothing the format reads. */
  protected final GatewayError notAnEventStream(int status, String contentType) {
    return new GatewayError(ErrorType.UPSTREAM_ERROR, "upstream '" + provider + "' answered HTTP " + status
        + " with content type '" + clean(contentType) + "' instead of an event stream", null, null, status, null);
  }

  /** A stream the upstream sent that cannot be read: {@code what} it was, quoting a bounded sample. */
  public final GatewayError malformed(String what, String sample) {
    String shown = sample == null ? "" : ": " + cut(scrub(sample), SAMPLE_CHARS);
    return GatewayError.of(ErrorType.UPSTREAM_ERROR, "upstream '" + provider + "' sent " + clean(what) + shown);
  }

  /** The error for a request that got no response: a timeout before the headers, or no connection. */
  public final GatewayError sendFailed(Throwable cause, Duration headersTimeout) {
    String upstream = "upstream '" + provider + "'";
    if (cause instanceof HttpConnectTimeoutException) {
      // The client's connect timeout, or the request timeout running out while still connecting.
      return GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, upstream + " did not accept a connection in time")
          .withCode("connect");
    }
    if (cause instanceof HttpTimeoutException) {
      return GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, upstream + " sent no response headers within "
          + headersTimeout.toMillis() + " ms").withCode("headers");
    }
    if (cause instanceof ConnectException) {
      return GatewayError.of(ErrorType.UPSTREAM_ERROR, upstream + " could not be reached: " + detail(cause))
          .withCode("connect");
    }
    if (cause instanceof IOException) {
      return GatewayError.of(ErrorType.UPSTREAM_ERROR, upstream + " connection failed: " + detail(cause));
    }
    return GatewayError.of(ErrorType.INTERNAL, "sending to " + upstream + " failed: " + detail(cause));
  }

  /** The error for a connection that broke while the body was being read. */
  public final GatewayError readFailed(Throwable cause) {
    return GatewayError.of(ErrorType.UPSTREAM_ERROR,
        "upstream '" + provider + "' connection failed mid-stream: " + detail(cause));
  }

  /** Upstream text made fit for a message: the key replaced first, then cut. */
  public final String clean(String text) {
    return cut(scrub(text), MAX_MESSAGE_CHARS);
  }

  /** {@link #clean}, or null for null or empty text. */
  protected final String cleanOrNull(String text) {
    return text == null || text.isEmpty() ? null : clean(text);
  }

  private String detail(Throwable cause) {
    return clean(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
  }

  private String scrub(String text) {
    return apiKey == null ? text : text.replace(apiKey, "[redacted]");
  }

  private static String cut(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }
}
