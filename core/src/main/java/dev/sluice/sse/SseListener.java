package dev.sluice.sse;

/** Receives the events an {@link SseParser} dispatches, on the thread that feeds the parser. */
@FunctionalInterface
public interface SseListener {

  /** Called once per dispatched event, in stream order. */
  void onEvent(SseEvent event);

  /** Called when the stream sets its reconnection time with a valid {@code retry:} field. */
  default void onRetry(long millis) {}
}
