package dev.sluice.dialect;

import dev.sluice.stream.StreamEvent;
import java.io.IOException;

/**
 * Turns canonical events into one dialect's Server-Sent Events. One instance per stream, used by
 * the stream's thread only. An encoder may hold an event back (OpenAI sends its role chunk with the
 * first delta), but never drops text.
 */
public interface StreamEncoder {

  /** Encodes {@code event} to {@code sink}; a terminal event ends the dialect's stream. */
  void encode(StreamEvent event, EventSink sink) throws IOException;
}
