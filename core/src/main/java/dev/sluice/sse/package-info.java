/**
 * Server-Sent Events ({@code text/event-stream}): an incremental parser that follows the WHATWG
 * interpretation rules exactly, and a writer whose framing no value can break.
 *
 * <p>{@link dev.sluice.sse.SseParser} reads an upstream's bytes as they arrive, split anywhere, and
 * reports events to an {@link dev.sluice.sse.SseListener}, as {@link dev.sluice.sse.SseEventView}s whose
 * data is still the stream's UTF-8 bytes, or as {@link dev.sluice.sse.SseEvent}s;
 * {@link dev.sluice.sse.SseWriter} frames events for a client. Both sit on the per-token path of every
 * stream, so neither allocates per byte or uses regular expressions. No JSON is handled here: data is
 * opaque text to this package.
 */
package dev.sluice.sse;
