package dev.sluice.policy;

import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;
import dev.sluice.stream.ChatRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The gateway's resilience policy: retries with backoff, fallback chains, circuit breakers and the
 * per-attempt first-token deadline. One instance per gateway, shared by all requests (the breakers
 * are its state); {@link #open} makes the stream of one request.
 *
 * <p>The first-token deadlines of all streams share one scheduler thread: a timer task only cancels
 * an attempt, which closes a socket and returns, so one thread serves any number of streams.
 */
public final class Resilience implements AutoCloseable {
  private final RetryPolicy retry;
  private final CircuitBreakers breakers;
  private final ScheduledThreadPoolExecutor timer;

  public Resilience(RetryPolicy retry, BreakerSettings breakerSettings) {
    if (retry == null) throw new IllegalArgumentException("retry is required");
    this.retry = retry;
    this.breakers = new CircuitBreakers(breakerSettings);
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "sluice-policy-timer");
      t.setDaemon(true);
      return t;
    });
    // Nearly every deadline is cancelled (the first token came): do not keep them queued until they are due.
    timer.setRemoveOnCancelPolicy(true);
  }

  public RetryPolicy retry() {
    return retry;
  }

  public CircuitBreakers breakers() {
    return breakers;
  }

  /**
   * A stream for {@code request} that tries {@code candidates} in order (the target first, then its
   * fallbacks), each up to {@link RetryPolicy#attempts()} times, until one produces its first token.
   * From then on it relays that attempt as it is: a later failure ends the stream with it, honestly.
   *
   * <p>Before the first token nothing of a failed attempt reaches the caller: its {@code Started} is
   * held back until the first token (or the end of an empty answer), so the caller sees one start, of
   * the attempt that answers, naming its provider. Nothing is sent until the first
   * {@link EventStream#next()}.
   *
   * @param candidates the routes to try, at least one; the request's model is replaced by each
   *     route's upstream model
   * @param firstToken the deadline of each attempt for its first token, counted from its start
   */
  public EventStream open(ChatRequest request, List<Route> candidates, Duration firstToken) {
    return open(request, candidates, firstToken, AttemptListener.NONE);
  }

  /** {@link #open(ChatRequest, List, Duration)}, reporting its attempts to {@code listener}. */
  public EventStream open(ChatRequest request, List<Route> candidates, Duration firstToken, AttemptListener listener) {
    return open(request, candidates, firstToken, null, MidStream.FAIL, listener);
  }

  /** What a stream does when its upstream fails after the first token. */
  public enum MidStream {
    /** End the stream with the failure, honestly (the default). */
    FAIL,
    /**
     * Ask the chain for a continuation of the text sent so far and relay only the continuation, up
     * to {@link RetryPolicy#attempts()} times per stream. Text answers only: a stream that has sent a
     * tool call, a refusal or reasoning fails as with {@link #FAIL}. See {@code Continuation} for the
     * request sent and its limits, and {@code ContinuingStream} for what is relayed.
     */
    CONTINUE
  }

  /**
   * {@link #open(ChatRequest, List, Duration)} with a choice of what happens after the first token.
   *
   * @param idle with {@link MidStream#CONTINUE}, the idle deadline this stream enforces on each
   *     answering attempt, so that a stall fails over like a reset (the caller then enforces none);
   *     ignored with {@link MidStream#FAIL}, where the caller's own idle deadline ends the stream
   * @param midStream {@link MidStream#FAIL} to end the stream with a mid-stream failure, or
   *     {@link MidStream#CONTINUE} to fail over to a continuation
   */
  public EventStream open(ChatRequest request, List<Route> candidates, Duration firstToken, Duration idle,
      MidStream midStream) {
    return open(request, candidates, firstToken, idle, midStream, AttemptListener.NONE);
  }

  /**
   * {@link #open(ChatRequest, List, Duration, Duration, MidStream)}, reporting its attempts to
   * {@code listener} (the request's telemetry), on the stream's reading thread.
   */
  public EventStream open(ChatRequest request, List<Route> candidates, Duration firstToken, Duration idle,
      MidStream midStream, AttemptListener listener) {
    if (request == null || candidates == null || candidates.isEmpty()) {
      throw new IllegalArgumentException("a request and at least one candidate route are required");
    }
    if (firstToken == null || firstToken.isNegative() || firstToken.isZero()) {
      throw new IllegalArgumentException("firstToken must be positive");
    }
    if (midStream == null) throw new IllegalArgumentException("midStream is required");
    if (listener == null) throw new IllegalArgumentException("listener is required");
    List<Route> chain = List.copyOf(candidates);
    if (midStream == MidStream.FAIL) {
      return new RetryingStream(request, chain, retry, breakers, timer, firstToken, null, listener);
    }
    if (idle == null || idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("idle must be positive for mid-stream failover");
    }
    return new ContinuingStream(request,
        asked -> new RetryingStream(asked, chain, retry, breakers, timer, firstToken, idle, listener), retry.attempts());
  }

  /** Stops the deadline scheduler; streams still running lose their first-token deadline. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
