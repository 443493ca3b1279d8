package dev.sluice.server.lifecycle;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's readiness and its stop: the dependency checks {@code GET /readyz} runs, the draining
 * flag a graceful stop raises first, the requests in flight and the open streams it drains, and the
 * hooks that run last (the ledger flushes its queue). Components register here as they start;
 * registration order is run order. Thread-safe.
 */
public final class Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  /** The readiness verdict: ready, or why not. */
  public record Readiness(boolean ready, String reason, Map<String, String> failures) {}

  /**
   * What a request refused while stopping, and a stream cut at the end of the drain, are told: 503
   * (overloaded, so SDKs retry it elsewhere) with code {@code shutting_down}.
   */
  public static final GatewayError SHUTTING_DOWN = new GatewayError(ErrorType.UPSTREAM_OVERLOADED,
      "Sluice is shutting down; retry the request.", null, "shutting_down", 0, null);

  private final Map<String, ReadinessCheck> checks = new LinkedHashMap<>();
  private final List<Map.Entry<String, Runnable>> stopHooks = new ArrayList<>();
  private final RequestsInFlight requestsInFlight = new RequestsInFlight();
  private final OpenStreams openStreams = new OpenStreams();
  private volatile boolean draining;
  /** The last logged failure of each check, so that a failure is logged when it changes. */
  private final Map<String, String> lastFailures = new ConcurrentHashMap<>();
  /** What the probe shows of a failure whose text is not fit for anyone to read. */
  static final String UNAVAILABLE = "unavailable";

  /** The requests being handled now: the HTTP entry counts each one in and out. */
  public RequestsInFlight requestsInFlight() {
    return requestsInFlight;
  }

  /** The streams being relayed now: every relay reports to this listener. */
  public OpenStreams openStreams() {
    return openStreams;
  }

  /** Adds a dependency {@code /readyz} checks; a second check of the same name replaces the first. */
  public synchronized void readinessCheck(String name, ReadinessCheck check) {
    checks.put(name, check);
  }

  /**
   * Adds a hook that runs once the server has stopped and its streams have ended, in registration
   * order (e.g. the ledger's final flush). A hook that throws is logged; the others still run.
   */
  public synchronized void onStop(String name, Runnable hook) {
    stopHooks.add(Map.entry(name, hook));
  }

  /** From now on {@code /readyz} answers 503: the server is stopping. */
  public void startDraining() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  /** Runs every check (once the server is draining, none: it is not ready whatever they say). */
  public Readiness readiness() {
    if (draining) return new Readiness(false, "draining: the server is stopping", Map.of());
    List<Map.Entry<String, ReadinessCheck>> now;
    synchronized (this) {
      now = List.copyOf(checks.entrySet());
    }
    var failures = new LinkedHashMap<String, String>();
    for (var check : now) {
      try {
        check.getValue().check();
        lastFailures.remove(check.getKey());
      } catch (ReadinessCheck.NotReady e) {
        failures.put(check.getKey(), e.getMessage());
      } catch (Exception e) {
        failures.put(check.getKey(), UNAVAILABLE);
        // The text stays in the log (once per change, not once per probe), out of the open probe.
        String text = e.toString();
        if (!text.equals(lastFailures.put(check.getKey(), text))) {
          log.warn("readiness check '{}' failed: {}", check.getKey(), text);
        }
      }
    }
    if (failures.isEmpty()) return new Readiness(true, null, Map.of());
    String reason = failures.entrySet().stream().map(f -> f.getKey() + ": " + f.getValue())
        .reduce((a, b) -> a + "; " + b).orElseThrow();
    return new Readiness(false, reason, failures);
  }

  /** Runs the stop hooks, in order. */
  public void runStopHooks() {
    List<Map.Entry<String, Runnable>> hooks;
    synchronized (this) {
      hooks = List.copyOf(stopHooks);
    }
    for (var hook : hooks) {
      try {
        hook.getValue().run();
      } catch (RuntimeException e) {
        log.error("stop hook '{}' failed", hook.getKey(), e);
      }
    }
  }
}
