package dev.sluice.provider;

import dev.sluice.sse.SseEvent;
import dev.sluice.sse.SseEventView;
import dev.sluice.sse.SseListener;

/**
 * Turns one upstream's Server-Sent Events into canonical events. It is fed by an
 * {@link dev.sluice.sse.SseParser} and writes what it decodes into its {@link DecodedEvents}, which
 * {@link HttpEventStream} drains; one per call, used by the reading thread only.
 */
public interface UpstreamDecoder extends SseListener {

  /** One event as its UTF-8 bytes: the parser's path, with no String made for the data. */
  @Override
  void onEvent(SseEventView event);

  /** An event held as Strings (tests, replays), read through a view of it like the parser's. */
  @Override
  default void onEvent(SseEvent event) {
    onEvent(SseEventView.of(event));
  }

  /** The events decoded so far, and how the stream ends. */
  DecodedEvents decoded();

  /** The body ended: queues what an end at this point means (a finish, or a truncation failure). */
  void endOfStream();
}
