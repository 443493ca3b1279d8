package dev.sluice.policy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One circuit breaker per upstream model ({@code provider/model}), shared by all requests.
 *
 * <p>Built on resilience4j's breaker with a count-based window as long as the failure threshold and a
 * 100 % failure-rate threshold, which is exactly "open after N consecutive failures". An open breaker
 * refuses attempts until the cooldown has passed; the next request then finds it half-open and is let
 * through as a probe ({@code halfOpenProbes} of them): success closes it, failure opens it again. The
 * transition happens on that request's own permission check, so no timer thread is involved.
 *
 * <p>What counts, per attempt: a success is an attempt that produced its first token (or finished);
 * a failure is a {@linkplain RetryPolicy#retryable retryable} failure before that. Neither counts for
 * an attempt that ended by a cancel or by an error that is the request's fault (a 400 says nothing
 * about the upstream's health): its permission is released. Slow calls never open it: the
 * first-token deadline already turns a slow upstream into failures.
 *
 * <p>Breakers are made on first use, for whatever model a caller names (a provider answers any
 * {@code openai/<name>}), so an idle one is forgotten: one not asked for {@link #IDLE_EVICTION} (and
 * at least its cooldown) is removed by a sweep that runs with the attempts, at most once every
 * {@link #SWEEP_EVERY}. A forgotten breaker starts closed if its model is asked for again, which is
 * what its cooldown would have led to. Thread-safe.
 */
public final class CircuitBreakers {

  /** The state of one breaker, as operators and tests see it. */
  public enum State { CLOSED, OPEN, HALF_OPEN, DISABLED }

  /** How long a breaker nobody asks for is kept. */
  static final Duration IDLE_EVICTION = Duration.ofMinutes(10);
  /** How often, at most, the sweep looks for idle breakers. */
  static final Duration SWEEP_EVERY = Duration.ofSeconds(30);

  private final BreakerSettings settings;
  private final CircuitBreakerRegistry registry;
  /** When each breaker was last asked for a permit, in {@link #clock} nanoseconds. */
  private final ConcurrentHashMap<String, Long> lastUsed = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private final long idleNanos;
  private final AtomicLong nextSweep;

  public CircuitBreakers(BreakerSettings settings) {
    this(settings, System::nanoTime);
  }

  /** With {@code clock} ({@link System#nanoTime} in production) standing for the time. */
  CircuitBreakers(BreakerSettings settings, LongSupplier clock) {
    if (settings == null) throw new IllegalArgumentException("settings are required");
    this.settings = settings;
    this.clock = clock;
    this.idleNanos = Math.max(IDLE_EVICTION.toNanos(), settings.cooldown().toNanos());
    this.nextSweep = new AtomicLong(clock.getAsLong() + SWEEP_EVERY.toNanos());
    this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(settings.failures())
        .minimumNumberOfCalls(settings.failures())
        .failureRateThreshold(100f)
        // Only the outcomes reported below count; durations never make a call "slow" enough to open.
        .slowCallRateThreshold(100f)
        .slowCallDurationThreshold(Duration.ofDays(365))
        .waitDurationInOpenState(settings.cooldown())
        .permittedNumberOfCallsInHalfOpenState(settings.halfOpenProbes())
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .writableStackTraceEnabled(false)
        .build());
  }

  /** The settings these breakers were built with. */
  public BreakerSettings settings() {
    return settings;
  }

  /** The state of the breaker of {@code qualifiedModel} ({@code provider/model}); CLOSED for one never used. */
  public State state(String qualifiedModel) {
    if (!settings.enabled()) return State.DISABLED;
    // Looking does not make a breaker: only attempts do (and only those are ever swept).
    var breaker = registry.find(qualifiedModel);
    if (breaker.isEmpty()) return State.CLOSED;
    return switch (breaker.get().getState()) {
      case OPEN, FORCED_OPEN -> State.OPEN;
      case HALF_OPEN -> State.HALF_OPEN;
      case CLOSED, DISABLED, METRICS_ONLY -> State.CLOSED;
    };
  }

  /** A permit for one attempt on {@code qualifiedModel}, or null when its breaker is open. */
  Permit acquire(String qualifiedModel) {
    if (!settings.enabled()) return Permit.NONE;
    long now = clock.getAsLong();
    lastUsed.put(qualifiedModel, now);
    sweepIfDue(now);
    CircuitBreaker breaker = registry.circuitBreaker(qualifiedModel);
    return breaker.tryAcquirePermission() ? new Permit(breaker, System.nanoTime()) : null;
  }

  /** How many breakers exist now. */
  int size() {
    return registry.getAllCircuitBreakers().size();
  }

  /** Forgets the breakers idle for longer than {@link #IDLE_EVICTION}; one caller sweeps at a time. */
  private void sweepIfDue(long now) {
    long due = nextSweep.get();
    if (now - due < 0 || !nextSweep.compareAndSet(due, now + SWEEP_EVERY.toNanos())) return;
    for (var entry : lastUsed.entrySet()) {
      if (now - entry.getValue() > idleNanos && lastUsed.remove(entry.getKey(), entry.getValue())) {
        registry.remove(entry.getKey());
      }
    }
  }

  /** One attempt's permission; exactly one of its methods is called, once. */
  static final class Permit {
    static final Permit NONE = new Permit(null, 0);

    private final CircuitBreaker breaker;
    private final long startNanos;

    private Permit(CircuitBreaker breaker, long startNanos) {
      this.breaker = breaker;
      this.startNanos = startNanos;
    }

    void succeeded() {
      if (breaker != null) breaker.onSuccess(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void failed(String why) {
      if (breaker != null) breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, new AttemptFailed(why));
    }

    /** Neither success nor failure: frees a half-open probe slot for another request. */
    void released() {
      if (breaker != null) breaker.releasePermission();
    }
  }

  /** What resilience4j records for a failure; the message is an already scrubbed gateway error. */
  private static final class AttemptFailed extends RuntimeException {
    AttemptFailed(String message) {
      super(message, null, false, false);
    }
  }
}
