package dev.sluice.provider;

import dev.sluice.stream.ErrorType;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * What every HTTP upstream adapter shares: the one Jetty {@link HttpClient} of the gateway, the
 * protocol choice per base URL, and the reading of an upstream's error status and {@code Retry-After}.
 *
 * <p>Cancellation, as the provider tests pin it against raw-socket servers: {@link Request#abort}
 * fails the exchange wherever it is (queued for a connection, waiting for headers, reading the body),
 * fails the response's content source so that a pending demand runs, and closes an HTTP/1.1
 * connection instead of returning it to the pool.
 */
public final class UpstreamHttp {

  /** A plain non-negative decimal: what {@code Retry-After} seconds and {@code retry-after-ms} hold. */
  private static final Pattern DECIMAL = Pattern.compile("[0-9]*\\.?[0-9]+|[0-9]+\\.");
  /**
   * Connections per upstream: over HTTP/1.1 every open stream holds one, and a gateway relays
   * thousands at once (the bench holds 10,000). Above Linux's default ephemeral port range (28,232
   * ports to one address), so the pool is never what limits streams; a request beyond it would wait in
   * the destination's queue, bounded the same.
   */
  static final int MAX_CONNECTIONS_PER_UPSTREAM = 32_768;
  /**
   * How long a pooled connection may sit unused before it is closed: the JDK client's keep-alive
   * default. A connection in use has no idle limit (see {@link #NO_IDLE_LIMIT}).
   */
  static final Duration POOLED_IDLE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * A request's idle timeout: none. An upstream may think for minutes before its first token; the
   * gateway's own deadlines (headers, idle, total) decide when a silent upstream has taken too long.
   */
  static final long NO_IDLE_LIMIT = 0;

  private UpstreamHttp() {}

  /**
   * {@link #newClient(Duration, int)} with the operating system's receive buffer size.
   */
  public static HttpClient newClient(Duration connectTimeout) {
    return newClient(connectTimeout, 0);
  }

  /**
   * The gateway's shared client, not yet started (the server starts and stops it, sharing its buffer
   * pool and scheduler; {@link #started} starts one for use without a server): HTTP/2 over TLS when
   * ALPN agrees, else HTTP/1.1; HTTP/1.1 for cleartext URLs (see {@link #forBaseUrl}); redirects never
   * followed (a redirected POST would resend the body and the provider key to wherever the upstream
   * points); {@code connectTimeout} for every connection; heap buffers, which the SSE parser reads in
   * place; no compression; a connection that cannot be opened fails only the requests still
   * waiting for one, not those another connection serves ({@link UpstreamTransport}).
   * {@code receiveBufferBytes} bounds each upstream socket's kernel receive buffer (0: the system's
   * default), so a stream whose client stops reading leaves little in flight.
   */
  public static HttpClient newClient(Duration connectTimeout, int receiveBufferBytes) {
    var connector = new ClientConnector();
    if (receiveBufferBytes > 0) connector.setReceiveBufferSize(receiveBufferBytes);
    var http2 = new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector));
    // h2 first: over TLS, ALPN offers it before http/1.1; cleartext requests name HTTP/1.1 themselves.
    return newClient(connectTimeout, new UpstreamTransport(connector, http2, HttpClientConnectionFactory.HTTP11));
  }

  /**
   * The gateway's client settings (see {@link #newClient(Duration, int)}) on {@code transport}: the
   * gateway's own {@link UpstreamTransport}, or Jetty's plain one in a test that shows the difference.
   */
  static HttpClient newClient(Duration connectTimeout, HttpClientTransportDynamic transport) {
    if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive");
    }
    // Every listener Sluice gives the client only records and unparks (the stream's own thread reads
    // and parses), so a connection's reads run on the selector thread that saw them readable instead
    // of being handed to a pool thread first: one thread hop less per upstream read.
    transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
    var client = new HttpClient(transport);
    client.setName("sluice-upstream");
    client.setConnectTimeout(connectTimeout.toMillis());
    client.setFollowRedirects(false);
    client.setMaxConnectionsPerDestination(MAX_CONNECTIONS_PER_UPSTREAM);
    client.setMaxRequestsQueuedPerDestination(MAX_CONNECTIONS_PER_UPSTREAM);
    client.setIdleTimeout(POOLED_IDLE_TIMEOUT.toMillis());
    client.setUseInputDirectByteBuffers(false);
    // No Accept-Encoding (as with the JDK client before): an upstream compressing an event stream
    // would hold tokens back to fill its blocks, and decoding would copy every chunk once more. Jetty
    // finds the decoders on the class path as it starts (the server's own compression is there), so
    // they go once it has.
    client.addEventListener(new LifeCycle.Listener() {
      @Override
      public void lifeCycleStarted(LifeCycle started) {
        client.getContentDecoderFactories().clear();
      }
    });
    // Some CDNs refuse a request without a user agent; Jetty's own would announce its version.
    client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Sluice"));
    return client;
  }

  /** {@code client}, started: for a provider used without a server ({@code standalone}, tests). */
  public static HttpClient started(HttpClient client) {
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException("the upstream HTTP client did not start", e);
    }
    return client;
  }

  /**
   * Sets the protocol {@code request} to {@code baseUrl} asks for: HTTP/1.1 for cleartext {@code http},
   * because local servers (Ollama, vLLM) speak no h2c; for {@code https} none, so that ALPN chooses
   * (HTTP/2 where the server offers it).
   */
  public static Request forBaseUrl(Request request, URI baseUrl) {
    return cleartext(baseUrl) ? request.version(HttpVersion.HTTP_1_1) : request;
  }

  /** True for a cleartext {@code http} URL. */
  static boolean cleartext(URI uri) {
    return "http".equalsIgnoreCase(uri.getScheme());
  }

  /** The error type an upstream's non-2xx status stands for. */
  public static ErrorType errorTypeForStatus(int status) {
    return switch (status) {
      case 400, 422 -> ErrorType.INVALID_REQUEST;
      case 401 -> ErrorType.AUTHENTICATION;
      case 403 -> ErrorType.PERMISSION;
      case 404 -> ErrorType.NOT_FOUND;
      case 413 -> ErrorType.REQUEST_TOO_LARGE;
      case 429 -> ErrorType.RATE_LIMITED;
      case 503, 529 -> ErrorType.UPSTREAM_OVERLOADED;
      case 408, 504 -> ErrorType.UPSTREAM_TIMEOUT;
      default -> ErrorType.UPSTREAM_ERROR;
    };
  }

  /** {@link #retryAfter(HttpFields, Instant)} at the current time. */
  public static Duration retryAfter(HttpFields headers) {
    return retryAfter(headers, Instant.now());
  }

  /**
   * The delay the upstream asked for, in the order the official SDKs read it: {@code retry-after-ms}
   * (float milliseconds, non-standard), then {@code retry-after} as float seconds, then as an HTTP date
   * (a date in the past gives zero). Null when no header holds a usable value.
   */
  public static Duration retryAfter(HttpFields headers, Instant now) {
    String millis = headers.get("retry-after-ms");
    if (millis != null) {
      Double ms = nonNegative(millis);
      if (ms != null) return Duration.ofNanos((long) (ms * 1_000_000d));
    }
    String value = headers.get("retry-after");
    if (value == null) return null;
    Double seconds = nonNegative(value);
    if (seconds != null) return Duration.ofNanos((long) (seconds * 1_000_000_000d));
    try {
      Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
    } catch (DateTimeParseException e) {
      return null; // Neither seconds nor a date: the header is unusable, as if absent.
    }
  }

  private static Double nonNegative(String text) {
    String t = text.trim();
    // Double.parseDouble accepts "NaN", "Infinity" and hex/"d"/"f" suffixes; only plain decimals count.
    if (!DECIMAL.matcher(t).matches()) return null;
    double v = Double.parseDouble(t);
    return Double.isFinite(v) ? v : null;
  }
}
