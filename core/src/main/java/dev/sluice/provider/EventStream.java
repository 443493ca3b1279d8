package dev.sluice.provider;

import dev.sluice.stream.GatewayError;
import dev.sluice.stream.StreamEvent;

/**
 * A pull-based stream of canonical events from one upstream call, read by one thread.
 *
 * <p>Opening is lazy: the first {@link #next()} sends the request and waits for the upstream, so a
 * {@link #cancel} works in every phase, connecting and waiting for the first token included.
 *
 * <p>{@code next()} never throws for an upstream failure: a broken connection, an error status, a
 * malformed chunk or a cancel all arrive as one {@link dev.sluice.stream.Failed}, after which
 * {@code next()} returns null. The first failure is sticky: a cancel that races an I/O error reports
 * the cancel's reason, whichever the reading thread saw first.
 */
public interface EventStream extends AutoCloseable {

  /**
   * Blocks until the next event. Returns null once a terminal event
   * ({@link dev.sluice.stream.Finished} or {@link dev.sluice.stream.Failed}) has been returned.
   */
  StreamEvent next();

  /**
   * Ends the stream from any thread: closes the upstream connection at once (not drained), so a
   * blocked {@link #next()} returns {@code Failed(reason)}. Idempotent; only the first reason counts.
   */
  void cancel(GatewayError reason);

  /**
   * Whether {@link #next()} would return without blocking: an event already read and decoded from
   * the upstream waits (one upstream read often holds several), or the stream was cancelled. The
   * relay writes the events it has to its client when this is false, before it waits. False when
   * unknown. Called by the reading thread.
   */
  default boolean ready() {
    return false;
  }

  /** Attempts that failed and were retried or fallen back from before this stream answered (the ledger's {@code retries}). */
  default int retries() {
    return 0;
  }

  /** Releases the upstream connection, cancelling if the stream has not ended. Called by the reading thread; idempotent. */
  @Override
  void close();
}
