package dev.sluice.stream;

import java.time.Duration;

/**
 * A failure as Sluice reports it to clients, the ledger and the logs. Messages never carry
 * secrets: provider keys and virtual keys are redacted before an error is built.
 *
 * @param type the kind of failure
 * @param message a sentence for humans
 * @param param the request field at fault, or null
 * @param code a machine-readable detail (e.g. {@code model_not_found}, {@code first_token}), or null
 * @param upstreamStatus the upstream's HTTP status when it caused this, else 0
 * @param retryAfter how long the client should wait before trying again, or null
 */
public record GatewayError(
    ErrorType type, String message, String param, String code, int upstreamStatus, Duration retryAfter) {

  public GatewayError {
    if (type == null || message == null) throw new IllegalArgumentException("type and message are required");
  }

  public static GatewayError of(ErrorType type, String message) {
    return new GatewayError(type, message, null, null, 0, null);
  }

  public static GatewayError invalid(String param, String message) {
    return new GatewayError(ErrorType.INVALID_REQUEST, message, param, null, 0, null);
  }

  /** The client went away; nothing can be written to it any more. */
  public static GatewayError clientDisconnected(String detail) {
    return new GatewayError(ErrorType.CANCELLED, "client disconnected: " + detail, null, CLIENT_DISCONNECTED, 0, null);
  }

  /** True for {@link #clientDisconnected}: there is nobody to tell. */
  public boolean clientGone() {
    return type == ErrorType.CANCELLED && CLIENT_DISCONNECTED.equals(code);
  }

  private static final String CLIENT_DISCONNECTED = "client_disconnected";

  public GatewayError withCode(String newCode) {
    return new GatewayError(type, message, param, newCode, upstreamStatus, retryAfter);
  }

  /**
   * The status a client sees when this error comes before the first byte. An upstream that rejects
   * the gateway's own credentials (401, 403) is a bad gateway: answering 401 would have SDKs tell
   * the user to fix a key the user does not hold.
   */
  public int httpStatus() {
    if (upstreamStatus == 401 || upstreamStatus == 403) return 502;
    return type.httpStatus();
  }

  /** Whether the same request may succeed if sent again later. */
  public boolean retryable() {
    return switch (type) {
      case RATE_LIMITED, UPSTREAM_OVERLOADED, UPSTREAM_TIMEOUT -> true;
      case UPSTREAM_ERROR -> upstreamStatus == 0 || upstreamStatus == 408 || upstreamStatus == 409
          || upstreamStatus >= 500;
      default -> false;
    };
  }
}
