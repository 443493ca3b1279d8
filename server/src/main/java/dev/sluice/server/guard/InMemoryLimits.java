package dev.sluice.server.guard;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Limits} in this process's memory: per key, a token bucket of requests (capacity {@code rpm},
 * refilled at {@code rpm} per minute) and one of tokens (capacity {@code tpm}). A request needs one
 * whole request and its estimated tokens (at most a full bucket, so a large request is not refused
 * forever); a correction at its end may take the token bucket below zero, which delays the next ones.
 */
public final class InMemoryLimits implements Limits {
  private static final double NANOS_PER_MINUTE = 60e9;

  private static final class Buckets {
    double requests = Double.NaN;
    double tokens = Double.NaN;
    long lastNanos = System.nanoTime();

    void refill(VirtualKey key, long now) {
      double minutes = (now - lastNanos) / NANOS_PER_MINUTE;
      lastNanos = now;
      if (key.rpm() != null) requests = Double.isNaN(requests) ? key.rpm() : Math.min(key.rpm(), requests + minutes * key.rpm());
      if (key.tpm() != null) tokens = Double.isNaN(tokens) ? key.tpm() : Math.min(key.tpm(), tokens + minutes * key.tpm());
    }
  }

  private final ConcurrentHashMap<String, Buckets> buckets = new ConcurrentHashMap<>();

  @Override
  public Refusal acquire(VirtualKey key, long tokens) {
    if (key.rpm() == null && key.tpm() == null) return null;
    Buckets b = buckets.computeIfAbsent(key.id(), id -> new Buckets());
    synchronized (b) {
      b.refill(key, System.nanoTime());
      if (key.rpm() != null && b.requests < 1) {
        return new Refusal("Rate limit reached: this key may make " + key.rpm() + " requests per minute.",
            wait(1 - b.requests, key.rpm()));
      }
      long needed = key.tpm() == null ? 0 : Math.min(tokens, key.tpm());
      if (key.tpm() != null && b.tokens < needed) {
        return new Refusal("Rate limit reached: this key may use " + key.tpm() + " tokens per minute.",
            wait(needed - b.tokens, key.tpm()));
      }
      if (key.rpm() != null) b.requests -= 1;
      if (key.tpm() != null) b.tokens -= needed;
      return null;
    }
  }

  @Override
  public void settle(VirtualKey key, long reservedTokens, long actualTokens) {
    if (key.tpm() == null) return;
    Buckets b = buckets.get(key.id());
    if (b == null) return;
    synchronized (b) {
      b.refill(key, System.nanoTime());
      b.tokens -= actualTokens - Math.min(reservedTokens, key.tpm());
    }
  }

  /** How long until {@code missing} units come back at {@code perMinute}. */
  private static Duration wait(double missing, long perMinute) {
    return Duration.ofNanos((long) Math.ceil(missing / perMinute * NANOS_PER_MINUTE));
  }
}
