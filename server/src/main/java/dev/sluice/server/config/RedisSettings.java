package dev.sluice.server.config;

import java.net.URI;

/**
 * Shared state across instances ({@code SLUICE_REDIS_URL}, {@code redis:} in {@code sluice.yaml}).
 *
 * @param url {@code redis://host:port}, or null: everything in memory, one instance
 * @param onFailure what a rate-limit check does while Redis cannot be reached
 */
public record RedisSettings(URI url, OnFailure onFailure) {
  public static final RedisSettings NONE = new RedisSettings(null, OnFailure.CLOSED);

  /** Fail closed (refuse, 429-style with a retry hint) or open (allow, unlimited) while Redis is down. */
  public enum OnFailure { CLOSED, OPEN }

  @Override
  public String toString() {
    // The URL may carry a password: only host and port are shown.
    return url == null ? "off" : "redis://" + url.getHost() + ":" + url.getPort() + " on_failure=" + onFailure;
  }
}
