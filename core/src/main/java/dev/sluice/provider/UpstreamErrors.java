package dev.sluice.provider;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one upstream's failures become {@link GatewayError}s. The wording of transport failures and
 * the handling of upstream text are shared: every piece of upstream text is scrubbed of the
 * provider key and of anything shaped like a key or an organisation or project id, then cut to
 * length, in that order (a cut through the key would leave a part of it that no longer matches).
 * Subclasses read their wire format's error bodies.
 *
 * <p>What reaches the tenant ({@link #forClient}): the upstream's own words only for errors of the
 * request itself (HTTP 400, 404, 422, or a mid-stream error of that kind), which the caller can fix.
 * A rejection of the gateway's own credentials (401, 403, or an error typed so) is a 502
 * {@code provider_auth_failed} that says nothing of the upstream's text: it concerns the operator,
 * whose log gets the words. Any other upstream error names the provider, the status and the
 * upstream's code, not its message (a 429's text names the operator's organisation and its limits).
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

  /** Key-shaped text: OpenAI's {@code sk-...}, Anthropic's {@code sk-ant-...}, and bearer tokens. */
  private static final Pattern KEY_SHAPED = Pattern.compile(
      "\\b(?:sk|pk|rk)-[A-Za-z0-9_\\-]{8,}|(?i:bearer)\\s+[A-Za-z0-9._~+/=\\-]{8,}");
  /** Organisation, project and user ids as OpenAI's errors quote them ({@code org-...}, {@code proj_...}). */
  private static final Pattern ACCOUNT_ID = Pattern.compile("\\b(?:org|user)-[A-Za-z0-9]{6,}|\\bproj_[A-Za-z0-9]{6,}");
  private static final Logger log = LoggerFactory.getLogger(UpstreamErrors.class);
  /** The code of an upstream's rejection of the gateway's own credentials. */
  public static final String PROVIDER_AUTH_FAILED = "provider_auth_failed";

  /** The error for a non-2xx response, from its status, headers and (bounded) body, as the format reads it. */
  protected abstract GatewayError fromStatus(int status, HttpFields headers, String body);

  /**
   * The error for a 2xx response that is not an event stream (an error page, a JSON error object);
   * an error the upstream wrote in the body is passed through {@link #forClient}.
   */
  public abstract GatewayError notAStream(int status, String contentType, String body);

  /** The tenant's error for a non-2xx response ({@link #fromStatus}, then {@link #forClient}). */
  public final GatewayError statusError(int status, HttpFields headers, String body) {
    return forClient(fromStatus(status, headers, body));
  }

  /**
   * What the tenant may see of an error the upstream reported (see the class comment): its words
   * for request errors, a {@code provider_auth_failed} for a credential rejection, else the status
   * and code only.
   */
  protected final GatewayError forClient(GatewayError upstream) {
    if (PROVIDER_AUTH_FAILED.equals(upstream.code())) return upstream; // already made fit
    int status = upstream.upstreamStatus();
    ErrorType type = upstream.type();
    if (status == 401 || status == 403 || type == ErrorType.AUTHENTICATION || type == ErrorType.PERMISSION) {
      log.warn("upstream '{}' refused the gateway's credentials: {}", provider, upstream.message());
      return new GatewayError(ErrorType.UPSTREAM_ERROR, "upstream '" + provider + "' refused the gateway's credentials"
          + (status > 0 ? " (HTTP " + status + ")" : "") + "; the gateway's operator must check its provider key.",
          null, PROVIDER_AUTH_FAILED, status, null);
    }
    boolean inBody = status == 0 || status >= 200 && status < 300; // mid-stream, or an error body with a 2xx
    boolean requestError = status == 400 || status == 404 || status == 422
        || inBody && (type == ErrorType.INVALID_REQUEST || type == ErrorType.NOT_FOUND);
    if (requestError) return upstream;
    String code = upstream.code() == null ? "" : " (" + upstream.code() + ")";
    String what = status == 0 ? "failed mid-stream" : inBody ? "answered HTTP " + status + " with an error" : "returned HTTP " + status;
    return new GatewayError(type, "upstream '" + provider + "' " + what + code, upstream.param(), upstream.code(),
        status, upstream.retryAfter());
  }

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
    GatewayError connect = connectFailed(cause);
    if (connect != null) return connect;
    String upstream = "upstream '" + provider + "'";
    if (cause instanceof TimeoutException) {
      return GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, upstream + " sent no response headers within "
          + headersTimeout.toMillis() + " ms").withCode("headers");
    }
    if (cause instanceof IOException) {
      return GatewayError.of(ErrorType.UPSTREAM_ERROR, upstream + " connection failed: " + detail(cause));
    }
    return GatewayError.of(ErrorType.INTERNAL, "sending to " + upstream + " failed: " + detail(cause));
  }

  /**
   * The error for a connection that broke while the body was being read, unless the cause says that
   * a connection could not be opened: then it is that connect failure (see {@link #connectFailed}),
   * whichever path of the HTTP client reported it.
   */
  public final GatewayError readFailed(Throwable cause) {
    GatewayError connect = connectFailed(cause);
    if (connect != null) return connect;
    return GatewayError.of(ErrorType.UPSTREAM_ERROR,
        "upstream '" + provider + "' connection failed mid-stream: " + detail(cause));
  }

  /**
   * The error for a connection that could not be opened, or null when {@code cause} (or a cause of
   * it) says nothing of the kind. A connect failure can reach a request after its response began:
   * Jetty fails the requests queued at a destination with the failure of any connection to it, and
   * one of them can be taken by another connection and answered meanwhile (see {@link
   * UpstreamTransport}, which closes that race for the gateway's own client). Whatever path reports
   * it, the response never came over a connection that failed, so it is a retryable connect error,
   * never a broken stream.
   */
  private GatewayError connectFailed(Throwable cause) {
    String upstream = "upstream '" + provider + "'";
    int depth = 0; // a chain of causes can loop back on itself
    for (Throwable c = cause; c != null && depth++ < 10; c = c.getCause()) {
      if (c instanceof SocketTimeoutException) {
        // Jetty's connect timeout ("Connect Timeout"), or the headers deadline running out while connecting.
        return GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, upstream + " did not accept a connection in time")
            .withCode("connect");
      }
      if (c instanceof ConnectException) {
        return GatewayError.of(ErrorType.UPSTREAM_ERROR, upstream + " could not be reached: " + detail(c))
            .withCode("connect");
      }
    }
    return null;
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
    String keyless = apiKey == null ? text : text.replace(apiKey, "[redacted]");
    return ACCOUNT_ID.matcher(KEY_SHAPED.matcher(keyless).replaceAll("[redacted]")).replaceAll("[redacted]");
  }

  private static String cut(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }
}
