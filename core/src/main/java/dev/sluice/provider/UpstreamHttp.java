package dev.sluice.provider;

import dev.sluice.stream.ErrorType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * What every HTTP upstream adapter shares: the one {@link HttpClient} of the gateway, the protocol
 * choice per base URL, and the reading of an upstream's error status and {@code Retry-After}.
 *
 * <p>Cancellation, as measured on JDK 25.0.3 against a raw-socket server (see the provider tests that
 * pin it): cancelling the future of {@link HttpClient#sendAsync} closes an HTTP/1.1 connection that
 * is connecting or waiting for headers within a few milliseconds, and closing the body
 * {@link java.io.InputStream} of {@code BodyHandlers.ofInputStream()} from another thread wakes a
 * blocked {@code read} (it throws {@code IOException: closed}) and closes the connection rather than
 * returning it to the pool.
 */
public final class UpstreamHttp {

  /** A plain non-negative decimal: what {@code Retry-After} seconds and {@code retry-after-ms} hold. */
  private static final Pattern DECIMAL = Pattern.compile("[0-9]*\\.?[0-9]+|[0-9]+\\.");

  private UpstreamHttp() {}

  /**
   * The gateway's shared client: a virtual thread per task, HTTP/2 preferred (over TLS, ALPN falls
   * back to HTTP/1.1), redirects never followed (a redirected POST would resend the body and the
   * provider key to wherever the upstream points), and {@code connectTimeout} for every connection.
   */
  public static HttpClient newClient(Duration connectTimeout) {
    if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive");
    }
    return HttpClient.newBuilder()
        .executor(Executors.newVirtualThreadPerTaskExecutor())
        .version(HttpClient.Version.HTTP_2)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * The protocol to request for {@code uri}: HTTP/1.1 for cleartext {@code http}, because asking for
   * HTTP/2 there makes the JDK client send an {@code Upgrade: h2c} request that local servers (Ollama,
   * vLLM) do not expect; HTTP/2 with ALPN fallback for {@code https}.
   */
  public static HttpClient.Version versionFor(URI uri) {
    return "http".equalsIgnoreCase(uri.getScheme()) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2;
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

  /** {@link #retryAfter(HttpHeaders, Instant)} at the current time. */
  public static Duration retryAfter(HttpHeaders headers) {
    return retryAfter(headers, Instant.now());
  }

  /**
   * The delay the upstream asked for, in the order the official SDKs read it: {@code retry-after-ms}
   * (float milliseconds, non-standard), then {@code retry-after} as float seconds, then as an HTTP date
   * (a date in the past gives zero). Null when no header holds a usable value.
   */
  public static Duration retryAfter(HttpHeaders headers, Instant now) {
    Optional<String> millis = headers.firstValue("retry-after-ms");
    if (millis.isPresent()) {
      Double ms = nonNegative(millis.get());
      if (ms != null) return Duration.ofNanos((long) (ms * 1_000_000d));
    }
    Optional<String> value = headers.firstValue("retry-after");
    if (value.isEmpty()) return null;
    Double seconds = nonNegative(value.get());
    if (seconds != null) return Duration.ofNanos((long) (seconds * 1_000_000_000d));
    try {
      Instant at = ZonedDateTime.parse(value.get().trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
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
