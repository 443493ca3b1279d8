package dev.sluice.provider;

import dev.sluice.sse.SseListener;
import dev.sluice.stream.StreamEvent;

/**
 * Turns one upstream's Server-Sent Events into canonical events. It is fed by an
 * {@link dev.sluice.sse.SseParser} and drained by {@link HttpEventStream}; one per call, used by
 * the reading thread only.
 */
public interface UpstreamDecoder extends SseListener {

  /** The next decoded event, or null when more input is needed. */
  StreamEvent poll();

  /** True once a terminal event has been queued: nothing more is read. */
  boolean terminated();

  /** True once the upstream's own terminator arrived ({@code [DONE]}, {@code message_stop}). */
  boolean sawEnd();

  /** The body ended: queues what an end at this point means (a finish, or a truncation failure). */
  void endOfStream();
}
