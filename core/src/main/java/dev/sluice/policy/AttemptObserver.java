package dev.sluice.policy;

import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;

/**
 * Sees each upstream attempt the policy makes, for telemetry (metrics, one trace span per attempt)
 * without core depending on any telemetry library. Called on the request's reading thread just
 * before the attempt's first {@link EventStream#next()}; the returned stream is the one the policy
 * reads, so a wrapper sees the attempt's events, its end and its close, on that thread.
 */
@FunctionalInterface
public interface AttemptObserver {

  /** Observes nothing: the attempt's own stream is read. */
  AttemptObserver NONE = (route, candidate, attempt, stream) -> stream;

  /**
   * @param route the upstream model tried
   * @param candidate its place in the chain: 0 for the request's target, 1.. for its fallbacks
   * @param attempt 1 for the first attempt on this candidate, 2.. for retries
   * @param stream the attempt's stream, not yet opened
   * @return {@code stream} or a wrapper that delegates every call to it
   */
  EventStream attempt(Route route, int candidate, int attempt, EventStream stream);
}
