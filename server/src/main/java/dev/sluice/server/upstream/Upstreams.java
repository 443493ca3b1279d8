package dev.sluice.server.upstream;

import dev.sluice.policy.AttemptListener;
import dev.sluice.policy.Resilience;
import dev.sluice.provider.EventStream;
import dev.sluice.provider.responses.ResponsesProvider;
import dev.sluice.route.ModelRouter;
import dev.sluice.route.Route;
import dev.sluice.server.config.ModelPolicy;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.server.config.Timeouts;
import dev.sluice.server.lifecycle.Lifecycle;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a decoded request into the stream an endpoint relays: resolves the model and its fallback
 * chain, and wraps them in the resilience policy (retries, breakers, per-attempt first-token
 * deadline). Every endpoint builds its source here, whatever its dialect.
 */
public final class Upstreams {
  private static final Logger log = LoggerFactory.getLogger(Upstreams.class);

  private final SluiceConfig config;
  private final ModelRouter router;
  private final Resilience resilience;

  private final Lifecycle lifecycle;

  public Upstreams(SluiceConfig config, ModelRouter router, Resilience resilience, Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
    this.config = config;
    this.router = router;
    this.resilience = resilience;
    // Said once at start: a fallback that is not routable (its provider has no key) is skipped.
    config.modelPolicies().forEach((alias, policy) -> policy.fallbacks().forEach(fallback -> {
      try {
        router.resolve(fallback);
      } catch (GatewayException e) {
        log.warn("models.{}.fallbacks: '{}' is skipped: {}", alias, fallback, e.error().message());
      }
    }));
  }

  /**
   * The source stream of one request and the deadlines its relay's watchdog enforces.
   *
   * @param watchdog idle and total deadlines; first token (and idle, with mid-stream failover) is per
   *     attempt, in the source itself
   */
  public record Call(EventStream source, Timeouts watchdog) {}

  /**
   * True when every upstream {@code model} may be answered by speaks OpenAI's Responses API (its route
   * and each routable fallback), and the model's policy does not splice attempts mid-stream: then a
   * Responses client's request can pass through as it is. False for a model that does not resolve (the
   * translated path refuses it as usual).
   */
  public boolean speaksResponsesOnly(String model) {
    ModelPolicy policy = config.modelPolicies().get(model);
    if (policy != null && policy.midStream() == Resilience.MidStream.CONTINUE) return false;
    try {
      if (!(router.resolve(model).provider() instanceof ResponsesProvider)) return false;
    } catch (GatewayException e) {
      return false;
    }
    if (policy == null) return true;
    for (String fallback : policy.fallbacks()) {
      try {
        if (!(router.resolve(fallback).provider() instanceof ResponsesProvider)) return false;
      } catch (GatewayException e) {
        // Not routable: skipped by open(), as here.
      }
    }
    return true;
  }

  /**
   * Resolves {@code request.model()}; an unknown model is a 404 before any upstream call.
   *
   * @param attempts told of each upstream attempt (the request's telemetry)
   */
  public Call open(ChatRequest request, AttemptListener attempts) throws GatewayException {
    // Stopping: no new upstream call (a keep-alive connection can still bring requests while draining).
    if (lifecycle.draining()) throw new GatewayException(Lifecycle.SHUTTING_DOWN);
    Route primary = router.resolve(request.model());
    var candidates = new ArrayList<Route>(List.of(primary));
    ModelPolicy policy = config.modelPolicies().get(request.model());
    if (policy != null) {
      for (String fallback : policy.fallbacks()) {
        try {
          candidates.add(router.resolve(fallback));
        } catch (GatewayException e) {
          // Not routable (warned at start): skipped, the rest of the chain still serves.
          log.debug("fallback '{}' of '{}' is not routable: {}", fallback, request.model(), e.getMessage());
        }
      }
    }
    Timeouts timeouts = config.timeoutsFor(request.model());
    if (policy != null && policy.midStream() == Resilience.MidStream.CONTINUE) {
      // The policy owns the idle deadline too: a stall must fail over, not end the stream.
      EventStream source = resilience.open(request, candidates, timeouts.firstToken(), timeouts.idle(),
          Resilience.MidStream.CONTINUE, attempts);
      return new Call(source, timeouts.withFirstTokenPerAttempt().withoutIdle());
    }
    EventStream source = resilience.open(request, candidates, timeouts.firstToken(), attempts);
    return new Call(source, timeouts.withFirstTokenPerAttempt());
  }
}
