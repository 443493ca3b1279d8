package dev.sluice.sse;

/** The byte stream cannot be parsed as an event stream (for example a line over the size limit). */
public class SseException extends RuntimeException {
  public SseException(String m) {
    super(m);
  }
}
