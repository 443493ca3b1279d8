package dev.sluice.sse;

/**
 * One dispatched Server-Sent Event, as the WHATWG event-stream interpretation defines it.
 *
 * @param type the event type: the last {@code event} field of the block, or {@code "message"} when
 *     the block set none (or set it to the empty string)
 * @param data the data buffer at dispatch: the block's {@code data} values joined with LF, without the
 *     final LF; may be empty ({@code "data:"} alone dispatches {@code ""})
 * @param lastEventId the stream's last event ID at dispatch: the most recent valid {@code id} field of
 *     this <em>or any earlier</em> block (ids persist until changed), {@code ""} if none was seen or the
 *     last one reset it
 */
public record SseEvent(String type, String data, String lastEventId) {

  /** The type of an event whose block set no {@code event} field. */
  public static final String DEFAULT_TYPE = "message";

  public SseEvent {
    if (type == null || data == null || lastEventId == null) {
      throw new IllegalArgumentException("type, data and lastEventId are required (use \"\" for none)");
    }
  }

  /** An event of the default type {@code "message"} with no last event ID. */
  public static SseEvent message(String data) {
    return new SseEvent(DEFAULT_TYPE, data, "");
  }
}
