package dev.sluice.server.relay;

import dev.sluice.stream.Started;

/**
 * What a {@link StreamRelay} reports as its stream runs, in the manner of OkHttp's
 * {@code EventListener}: the relay calls these and the request's telemetry, its ledger row and the
 * lifecycle's count of open streams listen, so that nothing wraps the stream to watch it.
 *
 * <p>In order, on the relay's thread: {@link #streamStarted}, then per event read
 * {@link #upstreamStarted} or {@link #chunkRead}, then once {@link #streamEnding} and last
 * {@link #streamClosed}. Callbacks must be quick; one that throws fails the relay as if its own code
 * had. Every method does nothing by default; {@link #of} fans one relay's events out to several.
 */
public interface RelayListener {

  /** Listens to nothing. */
  RelayListener NONE = new RelayListener() {};

  /** The relay starts reading its upstream; {@code relay} may be {@linkplain StreamRelay#cancel cancelled} until it closes. */
  default void streamStarted(StreamRelay relay) {}

  /** The upstream that answers started (its provider and model). */
  default void upstreamStarted(Started started) {}

  /**
   * A text or tool-call chunk was read from the upstream, at {@code nanoTime}
   * ({@link System#nanoTime()}); the first one is the first token.
   */
  default void chunkRead(long nanoTime) {}

  /**
   * How the stream ended, once, before anything tells its client so (the final event, the error, or
   * right after the client left): the ledger writes its row here, so a row is durable before its
   * client can see the end.
   */
  default void streamEnding(Outcome outcome) {}

  /** The relay let go of its upstream: the stream is no longer open. */
  default void streamClosed(StreamRelay relay) {}

  /** One listener that tells each of {@code listeners}, in order. */
  static RelayListener of(RelayListener... listeners) {
    return new FanOut(listeners);
  }
}
