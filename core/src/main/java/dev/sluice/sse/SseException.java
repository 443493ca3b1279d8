package dev.sluice.sse;

/**
 * An event stream that this parser refuses to buffer: a line or an event larger than the configured
 * maximum. Unchecked, because it reports the peer's input, not a caller's mistake the compiler could
 * help with; a relay turns it into an upstream error and closes the connection.
 */
public final class SseException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public SseException(String message) {
    super(message);
  }
}
