package dev.sluice.server;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.GatewayError;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browser streams running on this instance, by stream id, so that {@code DELETE
 * /api/streams/{id}} can abort one at once. A stream is here from its start to its end only.
 */
final class StreamRegistry {
  private final ConcurrentHashMap<String, EventStream> live = new ConcurrentHashMap<>();

  void add(String streamId, EventStream stream) {
    live.put(streamId, stream);
  }

  void remove(String streamId) {
    live.remove(streamId);
  }

  /** Cancels the stream; false if no such stream runs here. */
  boolean cancel(String streamId, GatewayError reason) {
    EventStream stream = live.get(streamId);
    if (stream == null) return false;
    stream.cancel(reason);
    return true;
  }
}
