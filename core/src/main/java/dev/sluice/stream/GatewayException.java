package dev.sluice.stream;

/** A failure before any event was produced; carries the error to render in the caller's dialect. */
public final class GatewayException extends Exception {
  private final transient GatewayError error;

  public GatewayException(GatewayError error) {
    this(error, null);
  }

  public GatewayException(GatewayError error, Throwable cause) {
    super(error.message(), cause);
    this.error = error;
  }

  public GatewayError error() {
    return error;
  }
}
