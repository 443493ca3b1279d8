package dev.sluice.policy;

import dev.sluice.route.Route;

/**
 * One upstream attempt of a request, as an {@link AttemptListener} is told of it.
 *
 * @param route the upstream model tried
 * @param candidate its place in the chain: 0 for the request's target, 1.. for its fallbacks
 * @param number 1 for the first attempt on this candidate, 2.. for its retries
 */
public record Attempt(Route route, int candidate, int number) {

  /** A retry of a model already tried for this request. */
  public boolean retry() {
    return number > 1;
  }

  /** The first attempt on a fallback model. */
  public boolean fallback() {
    return number == 1 && candidate > 0;
  }
}
