package dev.sluice.stream;

/**
 * What went wrong, independent of dialect. Each type has the HTTP status a client gets when the
 * failure happens before the first byte, and the type names the OpenAI and Anthropic dialects use.
 */
public enum ErrorType {
  INVALID_REQUEST(400, "invalid_request_error", "invalid_request_error"),
  AUTHENTICATION(401, "authentication_error", "authentication_error"),
  PERMISSION(403, "permission_error", "permission_error"),
  NOT_FOUND(404, "not_found_error", "not_found_error"),
  METHOD_NOT_ALLOWED(405, "invalid_request_error", "invalid_request_error"),
  REQUEST_TOO_LARGE(413, "invalid_request_error", "request_too_large"),
  UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error", "invalid_request_error"),
  RATE_LIMITED(429, "rate_limit_error", "rate_limit_error"),
  /** The upstream answered with an error status or a broken stream. */
  UPSTREAM_ERROR(502, "upstream_error", "api_error"),
  /** The upstream said it is overloaded (Anthropic's 529, OpenAI's 503). */
  UPSTREAM_OVERLOADED(503, "upstream_overloaded", "overloaded_error"),
  /** A deadline expired: connect, headers, first token, idle or total. */
  UPSTREAM_TIMEOUT(504, "upstream_timeout", "timeout_error"),
  /** The client went away or aborted; nobody reads this error but the ledger and the logs. */
  CANCELLED(499, "cancelled", "cancelled"),
  INTERNAL(500, "internal_error", "api_error");

  private final int httpStatus;
  private final String openAiType;
  private final String anthropicType;

  ErrorType(int httpStatus, String openAiType, String anthropicType) {
    this.httpStatus = httpStatus;
    this.openAiType = openAiType;
    this.anthropicType = anthropicType;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String openAiType() {
    return openAiType;
  }

  public String anthropicType() {
    return anthropicType;
  }
}
