package dev.sluice.policy;

import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Usage;
import java.time.Duration;

/**
 * What the policy stream of one request reports about its upstream attempts, in the manner of
 * OkHttp's {@code EventListener}: telemetry listens (metrics, one trace span per attempt) without
 * core depending on any telemetry library, and without wrapping a stream to watch it.
 *
 * <p>Per attempt, in order: {@link #attemptStarted}, {@link #attemptResponded}, then as its events
 * are read {@link #responseModel} and {@link #usageReported}, {@link #attemptAnswered} when its
 * first token makes it the one that answers, and exactly one end: {@link #attemptFinished},
 * {@link #attemptFailed} (then possibly {@link #retrying}) or {@link #attemptClosed}. All of these
 * run on the stream's reading thread; {@link #cancelled} runs on the cancelling thread. Callbacks
 * must be quick and must not throw. Every method does nothing by default.
 */
public interface AttemptListener {

  /** Listens to nothing. */
  AttemptListener NONE = new AttemptListener() {};

  /**
   * The attempt is about to send its request (its first read). What the listener makes current on
   * this thread now, until {@link #attemptResponded}, is current while the request is built: a
   * trace context set here travels upstream with it.
   */
  default void attemptStarted(Attempt attempt) {}

  /** The attempt's first read returned: the upstream's first event, or the attempt's failure to get one. */
  default void attemptResponded(Attempt attempt) {}

  /** The upstream named the model that answers this attempt. */
  default void responseModel(Attempt attempt, String model) {}

  /** The upstream reported the attempt's usage (a continuation's covers its replayed prompt). */
  default void usageReported(Attempt attempt, Usage usage) {}

  /** The attempt produced its first token in time: the stream is now committed to it. */
  default void attemptAnswered(Attempt attempt) {}

  /** The attempt's upstream stream ended normally. */
  default void attemptFinished(Attempt attempt, FinishReason reason) {}

  /** The attempt's upstream stream failed, before or after its first token (a cancel included). */
  default void attemptFailed(Attempt attempt, GatewayError error) {}

  /**
   * The attempt was let go before its upstream stream ended: the policy moved on (a first-token
   * deadline that met a token) or the stream was closed.
   */
  default void attemptClosed(Attempt attempt) {}

  /** The failed attempt's model is tried again after {@code wait}. */
  default void retrying(Attempt failed, GatewayError error, Duration wait) {}

  /**
   * The stream was cancelled (the first reason only, whichever the phase: an attempt in flight, a
   * backoff wait, an answer being relayed); {@code nanos} is how long the cancel took. On the
   * cancelling thread.
   */
  default void cancelled(GatewayError reason, long nanos) {}
}
