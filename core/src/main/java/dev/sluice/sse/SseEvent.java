package dev.sluice.sse;

/**
 * One dispatched Server-Sent Event.
 *
 * @param type the event type: the last {@code event:} field of the block, or {@code "message"} when none
 * @param data the {@code data:} lines joined with LF, without the final LF
 * @param lastEventId the stream's last event id at dispatch (persists across events), empty when none
 */
public record SseEvent(String type, String data, String lastEventId) {}
