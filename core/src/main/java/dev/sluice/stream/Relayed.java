package dev.sluice.stream;

/**
 * One upstream Server-Sent Event, exactly as it came, for a client that speaks the upstream's own wire
 * format (the Responses passthrough): its encoder writes it unchanged, every other reader skips it. It
 * comes before the canonical events decoded from the same upstream event, which still meter usage and
 * drive the deadlines.
 *
 * @param type the SSE {@code event:} name, or null when the upstream sent none
 * @param data the SSE {@code data:}, as received
 * @param sequenceNumber the event's {@code sequence_number}, or -1 when it has none
 */
public record Relayed(String type, String data, long sequenceNumber) implements StreamEvent {

  public Relayed {
    if (data == null) throw new IllegalArgumentException("data is required");
  }
}
