package dev.sluice.server.relay;

import dev.sluice.dialect.EventSink;
import dev.sluice.stream.GatewayError;
import java.io.IOException;

/**
 * Where a stream's encoded events go when generation is decoupled from delivery (resumable browser
 * streams): a replay log that clients follow, instead of one client's connection. Appending may
 * block, which is the backpressure of a slow live reader; an {@link IOException} means the log no
 * longer takes events.
 */
public interface EventLog extends EventSink {

  /** True once an event was appended: a failure from then on is an in-stream error event. */
  boolean started();

  /**
   * Ends the log after its last event.
   *
   * @param trailer a comment every reader sends before the end of its response, or null
   */
  void end(String trailer) throws IOException;

  /** Ends the log with no event: the stream failed before its first one. */
  void failEarly(GatewayError error);
}
