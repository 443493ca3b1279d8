package dev.sluice.server.config;

/**
 * How much of this instance one party may hold at once (the {@code max_*} keys of {@code server:}).
 * Counted per instance: behind a load balancer, each instance applies its own caps. 0 disables a cap.
 *
 * @param maxConnections open client connections; at the cap the server stops accepting (new
 *     connections wait in the kernel's backlog) until one closes
 * @param maxStreamsPerKey model requests in flight per virtual key, streaming or not; over it a request
 *     is refused with 429 before any upstream call
 * @param maxStreamsPerClient model requests in flight per client address (the TCP peer: behind a
 *     proxy, the proxy), likewise refused with 429
 */
public record Caps(int maxConnections, int maxStreamsPerKey, int maxStreamsPerClient) {
  /**
   * Bounds that no single client reaches in ordinary use but that stop one from taking the whole
   * instance: 10,000 connections keep the descriptors of a default-sized process in reach (each
   * stream also holds an upstream connection), and 1,000 requests in flight is a tenth of them.
   */
  public static final Caps DEFAULT = new Caps(10_000, 1_000, 1_000);

  /** No cap at all (the load benchmark's setting). */
  public static final Caps NONE = new Caps(0, 0, 0);

  public Caps {
    if (maxConnections < 0 || maxStreamsPerKey < 0 || maxStreamsPerClient < 0) {
      throw new IllegalArgumentException("caps must not be negative (0 disables one)");
    }
  }
}
