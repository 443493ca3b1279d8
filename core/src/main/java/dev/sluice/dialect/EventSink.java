package dev.sluice.dialect;

import dev.sluice.json.Json;
import java.io.IOException;

/**
 * The client side of one stream, as a dialect's encoder sees it. Each call frames one Server-Sent
 * Event and sends it before returning: a slow client blocks the caller (that is the backpressure),
 * and an {@link IOException} means the client is gone.
 */
public interface EventSink {

  /**
   * Sends one event.
   *
   * @param type the event type, or null for an unnamed event
   * @param id the event id, or null for none
   * @param data the data; line breaks in it become several {@code data:} lines
   */
  void event(String type, String id, String data) throws IOException;

  /**
   * Sends one event whose data is already UTF-8 (JSON a generator wrote), with no copy to a String.
   * The bytes are read before this returns.
   */
  default void event(String type, String id, byte[] utf8, int off, int len) throws IOException {
    event(type, id, new String(utf8, off, len, java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Sends one event whose data is the JSON text in {@code json}, then empties {@code json}, which
   * gives its shared array back: a stream keeps no buffer between its chunks.
   */
  default void event(String type, String id, Json.Utf8Buffer json) throws IOException {
    try {
      event(type, id, json.array(), 0, json.size());
    } finally {
      json.reset();
    }
  }

  /** Sends a comment line ({@code : text}), which every client ignores; used as a heartbeat. */
  void comment(String text) throws IOException;
}
