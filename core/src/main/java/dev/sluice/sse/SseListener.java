package dev.sluice.sse;

/**
 * Receives what an {@link SseParser} finds in a stream, on the thread that calls
 * {@link SseParser#feed}. A listener must not feed the parser that calls it.
 *
 * <p>An exception thrown by a listener propagates out of {@code feed} unchanged; the bytes after the
 * line being processed are not consumed, so the parser should then be discarded.
 */
@FunctionalInterface
public interface SseListener {

  /** Called once per dispatched event, in stream order, unless {@link #onEvent(SseEventView)} is overridden. */
  void onEvent(SseEvent event);

  /**
   * Called once per dispatched event, in stream order, with the data still as UTF-8 bytes in the
   * parser's buffer; the view is valid only during this call. This is what the parser calls. The
   * default decodes the data and calls {@link #onEvent(SseEvent)}; a listener on the per-chunk path
   * overrides it to read the bytes with no String made per event.
   */
  default void onEvent(SseEventView event) {
    onEvent(event.toEvent());
  }

  /**
   * Called when a valid {@code retry} field (ASCII digits only) sets the stream's reconnection time,
   * at the moment the field's line ends, not at the next dispatch. Default: ignored, as most LLM
   * clients do; {@link SseParser#retryMillis()} keeps the latest value either way.
   *
   * @param millis the reconnection time in milliseconds, at least 0 (saturated at
   *     {@link Long#MAX_VALUE} for longer digit strings)
   */
  default void onRetry(long millis) {}
}
